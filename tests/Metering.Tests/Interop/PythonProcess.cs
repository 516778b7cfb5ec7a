using System.Diagnostics;

namespace Metering.Tests.Interop;

/// <summary>
/// Runs the Python (Debian python3-grpcio) clients of tests/interop/python with /usr/bin/python3, the only
/// interpreter that can import grpc here, with METERING_COMMON_PROTOS set for their stub generation.
/// </summary>
internal static class PythonProcess
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<Task<string?>> GrpcProblem = new(FindGrpcProblemAsync);

    /// <summary>Null when /usr/bin/python3 imports grpc and grpc_tools; otherwise why it cannot (cached per test run).</summary>
    public static Task<string?> GrpcProblemAsync() => GrpcProblem.Value;

    /// <summary>Runs a script of tests/interop/python to its end with <paramref name="standardInput"/> on stdin.</summary>
    public static Task<ToolRun> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, string standardInput = "")
        => ToolProcess.RunAsync(
            Interpreter,
            [Path.Combine(RepositoryPaths.PythonInterop, script), .. arguments],
            RepositoryPaths.PythonInterop,
            new Dictionary<string, string>
            {
                ["PYTHONUNBUFFERED"] = "1",
                ["PYTHONDONTWRITEBYTECODE"] = "1",
                ["METERING_COMMON_PROTOS"] = CommonProtos.Directory,
            },
            timeout,
            standardInput);

    private static async Task<string?> FindGrpcProblemAsync()
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} does not exist; the interop tests need Debian's python3 with python3-grpcio (make test installs it).";
        }

        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("import grpc, grpc_tools");
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? null
            : $"'{Interpreter} -c \"import grpc, grpc_tools\"' failed (exit {process.ExitCode}); install python3-grpcio and python3-grpc-tools (make test installs them).\n{await stderr}";
    }
}
