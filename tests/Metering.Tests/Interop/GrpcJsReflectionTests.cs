using System.Text.Json;
using Google.Protobuf.Reflection;
using Metering.Contracts.V1;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// Server reflection read by grpc-js (@grpc/grpc-js with @grpc/proto-loader, the client stack of Node.js tooling):
/// both protocol versions list every service, and the descriptors returned load into proto-loader with each
/// metering method exactly as the protos declare it.
/// </summary>
public sealed class GrpcJsReflectionTests : IClassFixture<MeteringInteropFixture>
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    private readonly MeteringInteropFixture _service;

    public GrpcJsReflectionTests(MeteringInteropFixture service) => _service = service;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReflectionList_GrpcJs_ListsAndDescribesEveryService(bool v1)
    {
        List<string> arguments = ["--target", _service.Target(tls: false)];
        if (v1)
        {
            arguments.Add("--v1");
        }

        var run = await GrpcJs.RunAsync("reflection_list.js", arguments, ToolTimeout);
        Assert.True(run.ExitCode == 0, $"reflection_list.js could not list or describe every service: {run.Describe()}");

        using var report = JsonDocument.Parse(run.StandardOutput);
        var services = report.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection",
                "grpc.reflection.v1alpha.ServerReflection",
                AdminService.Descriptor.FullName,
                IngestService.Descriptor.FullName,
                UsageService.Descriptor.FullName,
            ],
            services);

        var described = report.RootElement.GetProperty("methods");
        foreach (var service in new[] { IngestService.Descriptor, UsageService.Descriptor, AdminService.Descriptor })
        {
            Assert.Equal(Declared(service), Described(described.GetProperty(service.FullName)));
        }

        Assert.Equal(["Check", "Watch"], described.GetProperty("grpc.health.v1.Health").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    private static List<string> Declared(ServiceDescriptor service)
        => service.Methods.Select(m => Describe($"/{service.FullName}/{m.Name}", m.InputType.FullName, m.OutputType.FullName, m.IsClientStreaming, m.IsServerStreaming)).ToList();

    private static List<string> Described(JsonElement methods)
        => methods.EnumerateArray().Select(m => Describe(
            m.GetProperty("path").GetString()!,
            m.GetProperty("request").GetString()!,
            m.GetProperty("response").GetString()!,
            m.GetProperty("client_streaming").GetBoolean(),
            m.GetProperty("server_streaming").GetBoolean())).ToList();

    private static string Describe(string path, string request, string response, bool clientStreaming, bool serverStreaming)
        => $"{path} ({(clientStreaming ? "stream " : "")}{request}) returns ({(serverStreaming ? "stream " : "")}{response})";
}
