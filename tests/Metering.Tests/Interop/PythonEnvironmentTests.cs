using Xunit;

namespace Metering.Tests.Interop;

/// <summary>The interop suite needs Debian's python3-grpcio; its absence is a failure, never a skip.</summary>
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
        foreach (var script in new[] { "interop_client.py", "interop_server.py", "reflection_list.py", "health_check.py" })
        {
            Assert.True(File.Exists(Path.Combine(RepositoryPaths.PythonInterop, script)), $"{script} is missing from {RepositoryPaths.PythonInterop}");
        }
    }
}
