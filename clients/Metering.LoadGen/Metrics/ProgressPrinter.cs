using System.Diagnostics;
using System.Globalization;
using Metering.LoadGen.Streams;

namespace Metering.LoadGen.Metrics;

/// <summary>Once a second, a progress line on stderr: records/s over the last second, records acknowledged, batches in flight, p99 so far.</summary>
internal sealed class ProgressPrinter
{
    private readonly IReadOnlyList<StreamWorker> _workers;
    private readonly RunClock _clock;
    private readonly TextWriter _output;
    private readonly bool _overwrite;
    private long _lastAcked;
    private long _lastTimestamp;

    public ProgressPrinter(IReadOnlyList<StreamWorker> workers, RunClock clock, TextWriter output, bool overwrite)
    {
        _workers = workers;
        _clock = clock;
        _output = output;
        _overwrite = overwrite;
        _lastTimestamp = clock.Start;
    }

    public void Print()
    {
        var now = Stopwatch.GetTimestamp();
        long acked = 0;
        long inFlight = 0;
        foreach (var worker in _workers)
        {
            acked += worker.RecordsAccepted;
            inFlight += worker.BatchesSent - worker.BatchesAcked;
        }

        var latency = LatencySummary.From(LatencyHistograms.Merge(_workers.Select(w => w.Latency)));

        var seconds = (double)(now - _lastTimestamp) / Stopwatch.Frequency;
        var rate = seconds > 0 ? (acked - _lastAcked) / seconds : 0;
        _lastAcked = acked;
        _lastTimestamp = now;
        var elapsed = (double)(now - _clock.Start) / Stopwatch.Frequency;
        var phase = now < _clock.MeasureFrom ? " (warm-up)" : string.Empty;
        var line = string.Create(CultureInfo.InvariantCulture, $"[{elapsed,6:0.0}s] {rate,12:N0} rec/s | acked {acked,14:N0} | in flight {inFlight,5} | p99 so far {latency.P99Ms,8:N2} ms{phase}");
        if (_overwrite)
        {
            _output.Write("\r" + line.PadRight(110));
        }
        else
        {
            _output.WriteLine(line);
        }
    }

    public void Finish()
    {
        if (_overwrite)
        {
            _output.WriteLine();
        }
    }
}
