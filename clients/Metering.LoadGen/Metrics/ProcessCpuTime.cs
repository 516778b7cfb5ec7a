namespace Metering.LoadGen.Metrics;

/// <summary>A process's CPU time so far (user + system, all its threads) and when it started, which tells a restarted PID from the same process.</summary>
internal readonly record struct ProcessCpuTime(TimeSpan Cpu, DateTime StartTime);
