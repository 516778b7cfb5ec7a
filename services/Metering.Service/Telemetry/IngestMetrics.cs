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

    private readonly Histogram<double> _ackDuration;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitBatches;
    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _gaps;
    private readonly ConcurrentDictionary<(string Host, string Transport), HostCounters> _hosts = new();
    private readonly TimeProvider _time;

    public IngestMetrics(ServiceMeter meter, IngestBudget budget, IOptions<IngestOptions> options, TimeProvider time)
    {
        _time = time;
        var m = meter.Meter;
        // Counted here per (host, transport) and read by the meter at collection: a batch costs two interlocked adds,
        // not two tagged measurements (make bench telemetry measured those at about 10% of the service's CPU per record).
        m.CreateObservableCounter("metering.ingest.records", () => Observe(records: true), "{record}", "Records of ingested batches, by host, transport, result and (for rejected batches) reason.");
        m.CreateObservableCounter("metering.ingest.batches", () => Observe(records: false), "{batch}", "Ingested batches, by host, transport, result and (for rejected batches) reason.");
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
        var counters = _hosts.GetOrAdd((hostId, transport), static _ => new HostCounters());
        switch (result)
        {
            case "accepted":
                Interlocked.Add(ref counters.AcceptedRecords, records);
                Interlocked.Increment(ref counters.AcceptedBatches);
                Volatile.Write(ref counters.LastAcceptedUnixSeconds, _time.GetUtcNow().ToUnixTimeSeconds());
                break;
            case "duplicate":
                Interlocked.Add(ref counters.DuplicateRecords, records);
                Interlocked.Increment(ref counters.DuplicateBatches);
                break;
            default:
                var rejected = counters.Rejected.GetOrAdd(reason ?? "none", static _ => new RejectedCounters());
                Interlocked.Add(ref rejected.Records, records);
                Interlocked.Increment(ref rejected.Batches);
                break;
        }
    }

    public void Acked(string transport, long startedTimestamp)
        => _ackDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, new KeyValuePair<string, object?>("metering.transport", transport));

    public void Committed(int batches) => _commitBatches.Record(batches);

    public void HostStep(long startedTimestamp) => _commitDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);

    public void StreamOpened() => _streams.Add(1);

    public void StreamClosed() => _streams.Add(-1);

    public void SequenceGap(string hostId) => _gaps.Add(1, new KeyValuePair<string, object?>("metering.host", hostId));

    private IEnumerable<Measurement<long>> Observe(bool records)
    {
        foreach (var ((host, transport), counters) in _hosts)
        {
            yield return Measure(records ? Volatile.Read(ref counters.AcceptedRecords) : Volatile.Read(ref counters.AcceptedBatches), host, transport, "accepted", "none");
            yield return Measure(records ? Volatile.Read(ref counters.DuplicateRecords) : Volatile.Read(ref counters.DuplicateBatches), host, transport, "duplicate", "none");
            foreach (var (reason, rejected) in counters.Rejected)
            {
                yield return Measure(records ? Volatile.Read(ref rejected.Records) : Volatile.Read(ref rejected.Batches), host, transport, "rejected", reason);
            }
        }
    }

    private static Measurement<long> Measure(long value, string host, string transport, string result, string reason)
        => new(value, new TagList
        {
            { "metering.host", host },
            { "metering.transport", transport },
            { "metering.result", result },
            { "metering.reason", reason },
        });

    /// <summary>The newest accepted batch of a host over both transports; a host with none yet is not reported.</summary>
    private IEnumerable<Measurement<long>> ObserveLastUsage()
    {
        foreach (var byHost in _hosts.GroupBy(entry => entry.Key.Host, StringComparer.Ordinal))
        {
            var seconds = byHost.Max(entry => Volatile.Read(ref entry.Value.LastAcceptedUnixSeconds));
            if (seconds > 0)
            {
                yield return new Measurement<long>(seconds, new KeyValuePair<string, object?>("metering.host", byHost.Key));
            }
        }
    }

    /// <summary>One host's batches over one transport, by result.</summary>
    private sealed class HostCounters
    {
        public long AcceptedRecords;
        public long AcceptedBatches;
        public long DuplicateRecords;
        public long DuplicateBatches;
        public long LastAcceptedUnixSeconds;
        public readonly ConcurrentDictionary<string, RejectedCounters> Rejected = new(StringComparer.Ordinal);
    }

    private sealed class RejectedCounters
    {
        public long Records;
        public long Batches;
    }
}
