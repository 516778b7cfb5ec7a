using System.Globalization;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>Server reflection (v1alpha and v1) and health checked with grpcio-based tools, not with our client.</summary>
public sealed class StockToolingTests : IClassFixture<OurInteropServersFixture>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private readonly OurInteropServersFixture _servers;

    public StockToolingTests(OurInteropServersFixture servers) => _servers = servers;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReflectionList_OurServer_ListsAndResolvesHealthAndTestService(bool v1)
    {
        List<string> arguments = ["--target", Target()];
        if (v1)
        {
            arguments.Add("--v1");
        }

        var run = await RunToolAsync("reflection_list.py", arguments);
        Assert.True(run.ExitCode == 0, $"reflection_list.py could not list or resolve every service: {run.Describe()}");
        var services = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.testing.TestService", services);
        Assert.Contains(v1 ? "grpc.reflection.v1.ServerReflection" : "grpc.reflection.v1alpha.ServerReflection", services);
        Assert.DoesNotContain("grpc.testing.UnimplementedService", services);
    }

    [Theory]
    [InlineData("")]
    [InlineData("grpc.testing.TestService")]
    public async Task HealthCheck_OurServer_IsServing(string service)
    {
        var run = await RunToolAsync("health_check.py", ["--target", Target(), "--service", service]);
        Assert.True(run.ExitCode == 0, $"health_check.py did not report SERVING: {run.Describe()}");
        Assert.Equal("SERVING", run.StandardOutput.Trim());
    }

    [Fact]
    public async Task HealthCheck_UnknownService_IsNotFound()
    {
        var run = await RunToolAsync("health_check.py", ["--target", Target(), "--service", "no.such.Service"]);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("RPC_ERROR NOT_FOUND", run.StandardOutput.Trim(), StringComparison.Ordinal);
    }

    private string Target() => "127.0.0.1:" + _servers.H2c.Address.Port.ToString(CultureInfo.InvariantCulture);

    private static async Task<PythonRun> RunToolAsync(string script, IEnumerable<string> arguments)
    {
        var problem = await PythonProcess.GrpcProblemAsync();
        Assert.True(problem is null, problem);
        return await PythonProcess.RunAsync(script, arguments, ToolTimeout);
    }
}
