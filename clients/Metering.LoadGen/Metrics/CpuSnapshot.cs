using System.Diagnostics;
using System.Globalization;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// CPU time used so far by this process, by watched processes and by the whole machine (Linux /proc/stat), so
/// the difference of two snapshots says where the cores went during a measurement.
/// </summary>
internal sealed class CpuSnapshot
{
    private CpuSnapshot(long timestamp, TimeSpan self, TimeSpan?[] watched, (long Busy, long Total)? machine)
    {
        Timestamp = timestamp;
        Self = self;
        Watched = watched;
        Machine = machine;
    }

    public long Timestamp { get; }

    public TimeSpan Self { get; }

    /// <summary>CPU time of each watched process; null where it could not be read (gone, not ours).</summary>
    public TimeSpan?[] Watched { get; }

    /// <summary>Busy and total jiffies of all cores; null off Linux.</summary>
    public (long Busy, long Total)? Machine { get; }

    public static CpuSnapshot Take(IReadOnlyList<(string Name, int Pid)> watched)
    {
        var self = Process.GetCurrentProcess().TotalProcessorTime;
        var others = new TimeSpan?[watched.Count];
        for (var i = 0; i < watched.Count; i++)
        {
            others[i] = ProcessCpu(watched[i].Pid);
        }

        return new CpuSnapshot(Stopwatch.GetTimestamp(), self, others, ReadMachine());
    }

    /// <summary>Average cores used between <paramref name="start"/> and this snapshot.</summary>
    public CpuUsage Since(CpuSnapshot start, IReadOnlyList<(string Name, int Pid)> watched)
    {
        var seconds = Stopwatch.GetElapsedTime(start.Timestamp, Timestamp).TotalSeconds;
        var cores = new List<(string, double)>();
        for (var i = 0; i < watched.Count; i++)
        {
            // NaN when the process could not be read at both ends (gone, restarted, not visible to us).
            cores.Add((watched[i].Name, Watched[i] is { } end && start.Watched[i] is { } begin ? (end - begin).TotalSeconds / seconds : double.NaN));
        }

        double? machineBusy = null;
        if (Machine is { } m && start.Machine is { } s && m.Total > s.Total)
        {
            machineBusy = (double)(m.Busy - s.Busy) / (m.Total - s.Total) * Environment.ProcessorCount;
        }

        return new CpuUsage((Self - start.Self).TotalSeconds / seconds, cores, machineBusy, Environment.ProcessorCount);
    }

    private static TimeSpan? ProcessCpu(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static (long Busy, long Total)? ReadMachine()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            var fields = line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            return (total - idle, total);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
