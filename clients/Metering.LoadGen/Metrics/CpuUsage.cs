namespace Metering.LoadGen.Metrics;

/// <summary>
/// Average cores used during the measurement: by the load generator, by watched processes (NaN if unreadable), by the
/// whole machine (null off Linux), out of <paramref name="MachineCoreCount"/> CPUs.
/// </summary>
internal sealed record CpuUsage(double SelfCores, IReadOnlyList<(string Name, double Cores)> Watched, double? MachineCores, int MachineCoreCount)
{
    /// <summary>The machine's cores not used by the load generator or a watched process (kernel, other processes); null without a machine figure.</summary>
    public double? OtherCores => MachineCores is { } machine ? machine - SelfCores - Watched.Where(w => !double.IsNaN(w.Cores)).Sum(w => w.Cores) : null;
}
