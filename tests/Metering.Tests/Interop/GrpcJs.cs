using System.ComponentModel;

namespace Metering.Tests.Interop;

/// <summary>
/// The grpc-js side of the interop suite: tests/interop/node/install.sh puts @grpc/grpc-js and @grpc/proto-loader
/// (pinned by its package-lock.json) into .tools/grpc-js on first use — from npm once, offline afterwards — and
/// the scripts of tests/interop/node run with `node` from PATH and that NODE_PATH.
/// </summary>
internal static class GrpcJs
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    private static readonly Lazy<Task<string>> NodeModules = new(InstallAsync);

    /// <summary>Runs a script of tests/interop/node to its end (installing grpc-js first if needed).</summary>
    public static async Task<ToolRun> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var nodeModules = await NodeModules.Value;
        try
        {
            return await ToolProcess.RunAsync(
                "node",
                [Path.Combine(RepositoryPaths.NodeInterop, script), .. arguments],
                RepositoryPaths.NodeInterop,
                new Dictionary<string, string> { ["NODE_PATH"] = nodeModules },
                timeout);
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("`node` is not on PATH: the grpc-js interop tests need Node.js and npm.", ex);
        }
    }

    private static async Task<string> InstallAsync()
    {
        var run = await ToolProcess.RunAsync("bash", [Path.Combine(RepositoryPaths.NodeInterop, "install.sh")], RepositoryPaths.Root, new Dictionary<string, string>(), InstallTimeout);
        var folder = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return run.ExitCode == 0 && folder is not null && Directory.Exists(Path.Combine(folder, "@grpc", "grpc-js"))
            ? folder
            : throw new InvalidOperationException($"tests/interop/node/install.sh could not install grpc-js: {run.Describe()}");
    }
}
