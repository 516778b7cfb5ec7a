using System.Diagnostics;
using System.Diagnostics.Metrics;
using Metering.Domain.Settlement;
using Metering.ServiceDefaults.Telemetry;

namespace Metering.Settlement.Telemetry;

/// <summary>The settlement service's instruments (docs/operations.md, "Metrics").</summary>
internal sealed class SettlementMetrics
{
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _runDuration;
    private readonly Counter<long> _written;
    private readonly Counter<long> _finalized;
    private readonly Counter<long> _unpriced;

    public SettlementMetrics(ServiceMeter meter)
    {
        var m = meter.Meter;
        _runs = m.CreateCounter<long>("metering.settlement.runs", "{run}", "Settlement runs of one period, by outcome (ok, failed).");
        _runDuration = m.CreateHistogram("metering.settlement.run.duration", "s", "Duration of settlement runs of one period.", tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] });
        _written = m.CreateCounter<long>("metering.settlement.statements.written", "{statement}", "DRAFT statements computed and written.");
        _finalized = m.CreateCounter<long>("metering.settlement.statements.finalized", "{statement}", "Statements made FINAL.");
        _unpriced = m.CreateCounter<long>("metering.settlement.unpriced_models", "{model}", "Statement lines with usage but no price, as runs found them.");
    }

    public void Run(long startedTimestamp, bool ok, IReadOnlyCollection<Statement> statements)
    {
        _runs.Add(1, new KeyValuePair<string, object?>("metering.outcome", ok ? "ok" : "failed"));
        _runDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds);
        _written.Add(statements.Count);
        _unpriced.Add(statements.Sum(s => s.Lines.Count(l => l.Unpriced)));
    }

    public void Finalized() => _finalized.Add(1);
}
