namespace Metering.LoadGen.Metrics;

/// <summary>A process whose CPU use is reported next to the load generator's (<c>--watch-pid NAME=PID</c>).</summary>
internal sealed record WatchedProcess(string Name, int Pid);
