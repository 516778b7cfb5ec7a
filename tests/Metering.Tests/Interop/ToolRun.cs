namespace Metering.Tests.Interop;

/// <summary>The outcome of one run of a foreign tool (a Python or Node script).</summary>
internal sealed record ToolRun(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe() => $"exit code {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
