using System.Diagnostics;
using System.Text;

namespace Metering.Tests.Interop;

/// <summary>
/// Runs the Python (Debian python3-grpcio) side of the interop suite with /usr/bin/python3, the only
/// interpreter that can import grpc here. Every process started is killed, with its children, on dispose.
/// </summary>
internal sealed class PythonProcess : IAsyncDisposable
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<Task<string?>> GrpcProblem = new(FindGrpcProblemAsync);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<int> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PythonProcess(Process process) => _process = process;

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Null when /usr/bin/python3 imports grpc; otherwise why it cannot (cached per test run).</summary>
    public static Task<string?> GrpcProblemAsync() => GrpcProblem.Value;

    /// <summary>Starts a script of tests/interop/python; reads its stdout and stderr as they come.</summary>
    public static PythonProcess Start(string script, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Interpreter)
        {
            WorkingDirectory = RepositoryPaths.PythonInterop,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(RepositoryPaths.PythonInterop, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["PYTHONUNBUFFERED"] = "1";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new PythonProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.OnError(e.Data);
        process.Exited += (_, _) => wrapper._listening.TrySetException(new InvalidOperationException(
            $"{script} exited before it was listening.\nstdout:\n{wrapper.StandardOutput}\nstderr:\n{wrapper.StandardError}"));
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {Interpreter} {script}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a script to its end (killed after <paramref name="timeout"/>).</summary>
    public static async Task<PythonRun> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await using var process = Start(script, arguments);
        process._process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process._process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return new PythonRun(-1, process.StandardOutput, process.StandardError + $"\n[killed: still running after {timeout.TotalSeconds:0} s]");
        }

        // WaitForExitAsync also waits for the end of the redirected streams.
        return new PythonRun(process._process.ExitCode, process.StandardOutput, process.StandardError);
    }

    /// <summary>Waits for the "LISTENING &lt;port&gt;" line of a server script.</summary>
    public async Task<int> WaitForListeningAsync(TimeSpan timeout)
    {
        try
        {
            return await _listening.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No LISTENING line within {timeout.TotalSeconds:0} s.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stdout)
        {
            _stdout.AppendLine(line);
        }

        if (line.StartsWith("LISTENING ", StringComparison.Ordinal) && int.TryParse(line.AsSpan("LISTENING ".Length), out var port))
        {
            _listening.TrySetResult(port);
        }
    }

    private void OnError(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.AppendLine(line);
        }
    }

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
