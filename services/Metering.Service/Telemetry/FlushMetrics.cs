using System.Diagnostics;
using System.Diagnostics.Metrics;
using Metering.ServiceDefaults.Telemetry;

namespace Metering.Service.Telemetry;

/// <summary>
/// The flusher's instruments (docs/operations.md, "Metrics"), among them the flush lag: the age of the oldest usage
/// still only in Redis (live or in a snapshot), as the last cycle of this replica found it, aging until the next one.
/// </summary>
internal sealed class FlushMetrics
{
    private readonly Histogram<double> _cycleDuration;
    private readonly Counter<long> _rows;
    private readonly Counter<long> _orphaned;
    private readonly Counter<long> _recovered;
    private readonly Counter<long> _failures;
    private readonly TimeProvider _time;
    private long _oldestUnflushedTicks;

    public FlushMetrics(ServiceMeter meter, TimeProvider time)
    {
        _time = time;
        var m = meter.Meter;
        _cycleDuration = m.CreateHistogram("metering.flush.cycle.duration", "s", "Duration of flush cycles (cut, PostgreSQL transactions, delete).", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _rows = m.CreateCounter<long>("metering.flush.rows", "{row}", "Hourly rows written to PostgreSQL.");
        _orphaned = m.CreateCounter<long>("metering.flush.snapshots.orphaned", "{snapshot}", "Snapshots a cycle found left in Redis (a crash between commit and delete, or another replica's flush).");
        _recovered = m.CreateCounter<long>("metering.flush.snapshots.recovered", "{snapshot}", "Orphaned snapshots written (or found already committed) and deleted.");
        _failures = m.CreateCounter<long>("metering.flush.failures", "{cycle}", "Failed flush cycles, by the store that failed (postgres, redis, other).");
        m.CreateObservableGauge("metering.flush.lag", ObserveLag, "s", "Age of the oldest usage still only in Redis (0 when everything is in PostgreSQL).");
    }

    public void Cycle(long startedTimestamp, int rows)
    {
        _cycleDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        _rows.Add(rows);
    }

    public void Orphaned(int snapshots) => _orphaned.Add(snapshots);

    public void Recovered(int snapshots) => _recovered.Add(snapshots);

    public void Failed(string store) => _failures.Add(1, new KeyValuePair<string, object?>("metering.store", store));

    /// <summary>The oldest usage still in Redis after a cycle, or null when Redis holds nothing.</summary>
    public void OldestUnflushed(DateTimeOffset? oldest) => Interlocked.Exchange(ref _oldestUnflushedTicks, oldest?.UtcTicks ?? 0);

    private double ObserveLag()
    {
        var ticks = Interlocked.Read(ref _oldestUnflushedTicks);
        return ticks == 0 ? 0 : Math.Max(0, (_time.GetUtcNow().UtcTicks - ticks) / (double)TimeSpan.TicksPerSecond);
    }
}
