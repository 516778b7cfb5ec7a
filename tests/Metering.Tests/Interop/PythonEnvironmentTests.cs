using System.Text.Json;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// The interop suite needs Debian's python3-grpcio and python3-grpc-tools; their absence is a failure, never a
/// skip. The metering protos must compile with that protoc (libprotoc 3.5.1 on Debian 12: no proto3 optional).
/// </summary>
public sealed class PythonEnvironmentTests
{
    [Fact]
    public async Task SystemPython_ImportsGrpcAndGrpcTools()
    {
        var problem = await PythonProcess.GrpcProblemAsync();
        Assert.True(problem is null, problem);
    }

    [Fact]
    public void PythonInteropScripts_ArePresent()
    {
        foreach (var script in new[] { "metering_client.py", "health_check.py", "reflection_list.py", "gen_stubs.py", "interop_common.py" })
        {
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.PythonInterop, script)), $"{script} is missing from {RepositoryPaths.PythonInterop}");
        }
    }

    [Fact]
    public async Task GenStubs_SystemProtoc_CompilesEveryMeteringProtoAndGoogleRpc()
    {
        var problem = await PythonProcess.GrpcProblemAsync();
        Assert.True(problem is null, problem);
        var output = Directory.CreateTempSubdirectory("metering-interop-stubs-");
        try
        {
            var run = await PythonProcess.RunAsync("gen_stubs.py", ["--out", output.FullName], TimeSpan.FromSeconds(60));
            Assert.True(run.ExitCode == 0, $"gen_stubs.py failed: {run.Describe()}");
            using var report = JsonDocument.Parse(run.StandardOutput);
            Assert.StartsWith("libprotoc ", report.RootElement.GetProperty("protoc").GetString(), StringComparison.Ordinal);
            var modules = report.RootElement.GetProperty("modules").EnumerateArray().Select(m => m.GetString()).ToHashSet();
            var expected = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "protos", "metering", "v1"), "*.proto")
                .Select(p => "metering/v1/" + Path.GetFileNameWithoutExtension(p) + "_pb2.py")
                .Append("interop_pb/google/rpc/status_pb2.py")
                .Append("interop_pb/google/rpc/error_details_pb2.py")
                .ToList();
            Assert.All(expected, m => Assert.Contains(m, modules));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
