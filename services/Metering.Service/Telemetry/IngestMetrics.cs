using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Metering.Service.Ingest;
using Metering.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;

namespace Metering.Service.Telemetry;

/// <summary>
/// The ingest path's instruments (docs/operations.md, "Metrics"). Labels stay low in cardinality: host ids, results,
/// reasons, transports; never a model or a producer.
/// </summary>
internal sealed class IngestMetrics
{
    public const string Stream = "stream";
    public const string Unary = "unary";

    private readonly Counter<long> _records;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _ackDuration;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitBatches;
    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _gaps;
    private readonly ConcurrentDictionary<string, long> _lastUsage = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public IngestMetrics(ServiceMeter meter, IngestBudget budget, IOptions<IngestOptions> options, TimeProvider time)
    {
        _time = time;
        var m = meter.Meter;
        _records = m.CreateCounter<long>("metering.ingest.records", "{record}", "Records of ingested batches, by host, transport, result and (for rejected batches) reason.");
        _batches = m.CreateCounter<long>("metering.ingest.batches", "{batch}", "Ingested batches, by host, transport, result and (for rejected batches) reason.");
        _ackDuration = meter.LatencyHistogram("metering.ingest.ack.duration", "From a batch read to its acknowledgement (Redis applied it), by transport.");
        _commitDuration = meter.LatencyHistogram("metering.ingest.commit.duration", "Round trip of one host's Lua step of a group commit to Redis.");
        _commitBatches = m.CreateHistogram("metering.ingest.commit.batches", "{batch}", "Batches per group commit.", tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] });
        _streams = m.CreateUpDownCounter<long>("metering.ingest.streams", "{stream}", "Open StreamUsage streams.");
        _gaps = m.CreateCounter<long>("metering.ingest.sequence_gaps", "{gap}", "Streams ended by a sequence gap, by host.");
        var limit = options.Value.MaxInFlightBatches;
        m.CreateObservableUpDownCounter("metering.ingest.inflight", () => (long)budget.InFlight, "{batch}", "Batches read and waiting for Redis.");
        m.CreateObservableUpDownCounter("metering.ingest.inflight.limit", () => (long)limit, "{batch}", "The in-flight budget (Ingest:MaxInFlightBatches).");
        m.CreateObservableGauge("metering.host.last_usage.time", ObserveLastUsage, "s", "Unix time of the last batch accepted from a host by this replica.");
    }

    /// <summary>One batch's outcome: its records and the batch, by result and reason; an accepted batch marks its host's last usage.</summary>
    public void Batch(string hostId, string transport, string result, string? reason, long records)
    {
        var tags = new TagList
        {
            { "metering.host", hostId },
            { "metering.transport", transport },
            { "metering.result", result },
            { "metering.reason", reason ?? "none" },
        };
        _batches.Add(1, tags);
        _records.Add(records, tags);
        if (result == "accepted")
        {
            _lastUsage[hostId] = _time.GetUtcNow().ToUnixTimeSeconds();
        }
    }

    public void Acked(string transport, long startedTimestamp)
        => _ackDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("metering.transport", transport));

    public void Committed(int batches) => _commitBatches.Record(batches);

    public void HostStep(long startedTimestamp) => _commitDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);

    public void StreamOpened() => _streams.Add(1);

    public void StreamClosed() => _streams.Add(-1);

    public void SequenceGap(string hostId) => _gaps.Add(1, new KeyValuePair<string, object?>("metering.host", hostId));

    private IEnumerable<Measurement<long>> ObserveLastUsage()
    {
        foreach (var (host, seconds) in _lastUsage)
        {
            yield return new Measurement<long>(seconds, new KeyValuePair<string, object?>("metering.host", host));
        }
    }
}
