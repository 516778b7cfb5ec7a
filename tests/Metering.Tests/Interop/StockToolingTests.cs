using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// Health and server reflection (v1 and v1alpha) of the metering service checked with grpcio-based tools: what a
/// load balancer's probe or grpcurl-like tooling sees, never with our own client.
/// </summary>
public sealed class StockToolingTests : IClassFixture<MeteringInteropFixture>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] MeteringServices = ["metering.v1.IngestService", "metering.v1.UsageService", "metering.v1.AdminService"];

    private readonly MeteringInteropFixture _service;

    public StockToolingTests(MeteringInteropFixture service) => _service = service;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReflectionList_ListsAndDescribesEveryService(bool v1)
    {
        List<string> arguments = ["--target", _service.Target(tls: false)];
        if (v1)
        {
            arguments.Add("--v1");
        }

        var run = await RunToolAsync("reflection_list.py", arguments);

        // Exit code 0: every listed service resolved to a FileDescriptorProto that declares it.
        Assert.True(run.ExitCode == 0, $"reflection_list.py could not list or describe every service: {run.Describe()}");
        var services = Lines(run.StandardOutput);
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", .. MeteringServices.Order(StringComparer.Ordinal)], services.Order(StringComparer.Ordinal));
        foreach (var service in services)
        {
            Assert.Contains($"ok {service}: ", run.StandardError, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("metering.v1.IngestService", false)]
    [InlineData("metering.v1.UsageService", false)]
    [InlineData("metering.v1.AdminService", false)]
    [InlineData("", true)]
    [InlineData("metering.v1.IngestService", true)]
    public async Task HealthCheck_ServerAndEachService_IsServing(string service, bool tls)
    {
        var run = await RunToolAsync("health_check.py", [.. Channel(tls), "--service", service]);
        Assert.True(run.ExitCode == 0, $"health_check.py did not report SERVING: {run.Describe()}");
        Assert.Equal("SERVING", run.StandardOutput.Trim());
    }

    [Fact]
    public async Task HealthCheck_UnknownService_IsNotFound()
    {
        var run = await RunToolAsync("health_check.py", [.. Channel(tls: false), "--service", "no.such.Service"]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("RPC_ERROR NOT_FOUND", run.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    private string[] Channel(bool tls) => tls
        ? ["--target", _service.Target(tls: true), "--use_tls", "--ca_file", _service.Certificate.CertificatePath, "--server_host_override", "localhost"]
        : ["--target", _service.Target(tls: false)];

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task<ToolRun> RunToolAsync(string script, IEnumerable<string> arguments)
    {
        var problem = await PythonProcess.GrpcProblemAsync();
        Assert.True(problem is null, problem);
        return await PythonProcess.RunAsync(script, arguments, ToolTimeout);
    }
}
