namespace Metering.Service.Flush;

/// <summary>
/// Crash points for the fault-injection suite. They exist only when the environment variable
/// METERING_FAILPOINTS names them (comma-separated); production never sets it.
/// <c>flush-after-commit</c>: the process dies right after a flush's PostgreSQL commit, before its snapshot is deleted.
/// </summary>
internal static class Failpoints
{
    private static readonly HashSet<string> Enabled = (Environment.GetEnvironmentVariable("METERING_FAILPOINTS") ?? string.Empty)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .ToHashSet(StringComparer.Ordinal);

    public static void Hit(string name)
    {
        if (Enabled.Count > 0 && Enabled.Contains(name))
        {
            Environment.FailFast($"failpoint {name}");
        }
    }
}
