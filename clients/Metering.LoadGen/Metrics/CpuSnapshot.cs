using System.ComponentModel;
using System.Diagnostics;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// CPU time used so far by this process, by the watched processes and by the whole machine, so that the difference
/// of two snapshots says where the cores went during a measurement. Every figure is divided by the same elapsed
/// time (the snapshots' Stopwatch timestamps), so the machine's busy cores include the processes' cores.
/// </summary>
internal sealed class CpuSnapshot
{
    private const string ProcStatPath = "/proc/stat";

    public CpuSnapshot(long timestamp, TimeSpan self, ProcessCpuTime?[] watched, MachineCpuTime? machine)
    {
        Timestamp = timestamp;
        Self = self;
        Watched = watched;
        Machine = machine;
    }

    /// <summary>Stopwatch timestamp of the snapshot.</summary>
    public long Timestamp { get; }

    public TimeSpan Self { get; }

    /// <summary>CPU time of each watched process; null where it could not be read (gone, not visible to us).</summary>
    public ProcessCpuTime?[] Watched { get; }

    /// <summary>The machine's idle and steal time; null where /proc/stat cannot be read (off Linux).</summary>
    public MachineCpuTime? Machine { get; }

    public static CpuSnapshot Take(IReadOnlyList<WatchedProcess> watched)
    {
        var timestamp = Stopwatch.GetTimestamp();
        var machine = ReadMachine();
        var self = Process.GetCurrentProcess().TotalProcessorTime;
        var others = new ProcessCpuTime?[watched.Count];
        for (var i = 0; i < watched.Count; i++)
        {
            others[i] = ReadProcess(watched[i].Pid);
        }

        return new CpuSnapshot(timestamp, self, others, machine);
    }

    /// <summary>Average cores used between <paramref name="start"/> and this snapshot.</summary>
    public CpuUsage Since(CpuSnapshot start, IReadOnlyList<WatchedProcess> watched)
    {
        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, Timestamp).TotalSeconds;
        var cores = new List<(string, double)>();
        for (var i = 0; i < watched.Count; i++)
        {
            // NaN when the process could not be read at both ends, or the PID is another process by the end (restarted).
            var value = Watched[i] is { } end && start.Watched[i] is { } begin && end.StartTime == begin.StartTime && seconds > 0
                ? (end.Cpu - begin.Cpu).TotalSeconds / seconds
                : double.NaN;
            cores.Add((watched[i].Name, value));
        }

        double? machineCores = null;
        var coreCount = Environment.ProcessorCount;
        if (Machine is { } m && start.Machine is { } s && m.Cpus == s.Cpus && seconds > 0)
        {
            // Busy = elapsed on every CPU, less what the CPUs spent idle, waiting for I/O or stolen.
            var notBusy = (m.IdleSeconds - s.IdleSeconds) + (m.StealSeconds - s.StealSeconds);
            machineCores = Math.Clamp(m.Cpus - (notBusy / seconds), 0, m.Cpus);
            coreCount = m.Cpus;
        }

        return new CpuUsage(seconds > 0 ? (Self - start.Self).TotalSeconds / seconds : double.NaN, cores, machineCores, coreCount);
    }

    private static ProcessCpuTime? ReadProcess(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return new ProcessCpuTime(process.TotalProcessorTime, process.StartTime);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static MachineCpuTime? ReadMachine()
    {
        try
        {
            return File.Exists(ProcStatPath) ? MachineCpuTime.Parse(File.ReadAllText(ProcStatPath), ClockTicks.PerSecond) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
