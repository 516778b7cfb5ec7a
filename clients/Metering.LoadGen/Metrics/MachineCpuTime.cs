using System.Globalization;

namespace Metering.LoadGen.Metrics;

/// <summary>
/// The time the machine's CPUs spent not running anything, from the <c>/proc/stat</c> "cpu" line: idle and iowait
/// (the kernel measures them exactly on a tickless kernel) and steal (the hypervisor ran something else), in seconds
/// summed over all <see cref="Cpus"/>. Busy time is what is left of elapsed × CPUs. The line's user and system
/// counters are not used: they are sampled by the scheduler tick, which stops on an idle CPU and so misses most of
/// the short bursts a request-serving process runs in.
/// </summary>
internal readonly record struct MachineCpuTime(int Cpus, double IdleSeconds, double StealSeconds)
{
    /// <summary>
    /// Reads the text of /proc/stat: the "cpu" line's idle (4th), iowait (5th) and steal (8th) counters in clock ticks
    /// of <paramref name="ticksPerSecond"/> (USER_HZ), and the number of "cpuN" lines (the CPUs online). Null if the text is not
    /// /proc/stat's.
    /// </summary>
    public static MachineCpuTime? Parse(string procStat, long ticksPerSecond)
    {
        long[]? total = null;
        var cpus = 0;
        foreach (var line in procStat.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpus++;
            }
            else if (line.Length > 3 && line[3] == ' ')
            {
                total = Counters(line[4..]);
            }
        }

        if (total is null || total.Length < 4 || cpus == 0)
        {
            return null;
        }

        var idle = total[3] + (total.Length > 4 ? total[4] : 0);
        var steal = total.Length > 7 ? total[7] : 0;
        return new MachineCpuTime(cpus, (double)idle / ticksPerSecond, (double)steal / ticksPerSecond);
    }

    private static long[]? Counters(ReadOnlySpan<char> fields)
    {
        var values = new List<long>(10);
        foreach (var range in fields.Split(' '))
        {
            var field = fields[range];
            if (field.IsEmpty)
            {
                continue;
            }

            if (!long.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            values.Add(value);
        }

        return [.. values];
    }
}
