using System.Diagnostics;

namespace Metering.LoadGen.Streams;

/// <summary>Stopwatch timestamps shared by every stream of a run: when sending starts, when measuring starts, when sending stops.</summary>
internal sealed class RunClock
{
    public RunClock(long start, TimeSpan warmup, TimeSpan? duration)
    {
        Start = start;
        MeasureFrom = start + ToTicks(warmup);
        StopAt = duration is { } d ? MeasureFrom + ToTicks(d) : null;
    }

    public long Start { get; }

    public long MeasureFrom { get; }

    /// <summary>No batch is sent at or after this timestamp; null in a --records run.</summary>
    public long? StopAt { get; }

    public static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static long ToMicros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;
}
