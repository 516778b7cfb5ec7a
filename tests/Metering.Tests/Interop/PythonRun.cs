namespace Metering.Tests.Interop;

/// <summary>The outcome of one Python script run.</summary>
internal sealed record PythonRun(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
