namespace Metering.LoadGen.Metrics;

/// <summary>Average cores used during the measurement: by the load generator, by watched processes (NaN if unreadable), by the machine.</summary>
internal sealed record CpuUsage(double SelfCores, IReadOnlyList<(string Name, double Cores)> Watched, double? MachineCores, int MachineCoreCount);
