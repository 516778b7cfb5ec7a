using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Metering.Domain.Corrections;
using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Metering.Persistence.Settlement;
using Metering.Settlement.Telemetry;
using Microsoft.Extensions.Options;

namespace Metering.Settlement.Application;

/// <summary>
/// RunSettlement: computes the DRAFT statements of one period, with the adjustments they carry, from the flushed
/// usage and the agreements in force, and stores them replacing the previous drafts. FINAL statements are skipped.
/// Reads and writes happen in one transaction (see <see cref="SettlementRunSession"/>); the arithmetic is the
/// domain's (<see cref="StatementCalculator"/>, <see cref="AdjustmentCalculator"/>). A run that writes statements
/// writes one "settlement.run" audit event in the same transaction: the drafts it replaced, the statements it wrote
/// and the hosts it skipped.
/// </summary>
internal sealed class SettlementEngine
{
    private readonly SettlementRunStore _store;
    private readonly SettlementMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly SettlementOptions _options;

    public SettlementEngine(SettlementRunStore store, SettlementMetrics metrics, TimeProvider time, IOptions<SettlementOptions> options)
    {
        _store = store;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
    }

    /// <summary>
    /// Settles <paramref name="period"/> for <paramref name="hostIds"/>, or, when null or empty, for every host with an
    /// agreement in force for the period or usage in it; <paramref name="actor"/> asked for the run.
    /// </summary>
    public async Task<SettlementRunResult> RunAsync(YearMonth period, IReadOnlyCollection<string>? hostIds, AuditActor actor, CancellationToken cancellationToken)
    {
        using var activity = SettlementTelemetry.Source.StartActivity("settlement run");
        activity?.SetTag("metering.period", period.ToString());
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await RunCoreAsync(period, hostIds, actor, cancellationToken);
            _metrics.Run(started, ok: true, result.Statements);
            activity?.SetTag("metering.statements", result.Statements.Count);
            return result;
        }
        catch (Exception ex) when (ex is not SettlementFailure)
        {
            _metrics.Run(started, ok: false, []);
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private async Task<SettlementRunResult> RunCoreAsync(YearMonth period, IReadOnlyCollection<string>? hostIds, AuditActor actor, CancellationToken cancellationToken)
    {
        var now = _time.UtcNowMicroseconds();
        if (period.StartUtc > now)
        {
            throw SettlementFailure.Invalid("period", SettlementReasons.OutOfRange, $"{period} has not started yet");
        }

        var filter = hostIds is { Count: > 0 } ? hostIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() : null;
        await using var session = await _store.BeginAsync(period, cancellationToken);
        if (filter is not null && await session.FindUnknownHostsAsync(filter, cancellationToken) is { Count: > 0 } unknown)
        {
            throw SettlementFailure.NotFound($"host_ids: unknown host(s) {string.Join(", ", unknown.Select(h => $"'{h}'"))}.");
        }

        var existing = await session.LockStatementsAsync(filter, cancellationToken);
        var agreements = await session.ReadAgreementsInForceAsync(filter, period, cancellationToken);
        var usage = await session.ReadUsageAsync(filter, period, cancellationToken);
        var corrections = await session.ReadApprovedCorrectionsAsync(filter, period, cancellationToken);
        var hosts = filter ?? agreements.Keys.Union(usage.Keys, StringComparer.Ordinal).Union(corrections.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        var skipped = new List<(string, SettlementSkipReason)>();
        var toCompute = new List<string>();
        foreach (var host in hosts)
        {
            if (existing.TryGetValue(host, out var stored) && stored.Status == StatementStatus.Final)
            {
                skipped.Add((host, SettlementSkipReason.Final));
            }
            else if (!agreements.ContainsKey(host))
            {
                skipped.Add((host, SettlementSkipReason.NoAgreement));
            }
            else
            {
                toCompute.Add(host);
            }
        }

        var (adjustments, correctedPeriods) = await ComputeAdjustmentsAsync(session, period, toCompute, cancellationToken);
        var taken = correctedPeriods.Count > 0 ? await session.ReadTakenCorrectionIdsAsync(correctedPeriods.Keys, cancellationToken) : new Dictionary<string, HashSet<string>>();
        var drafts = new List<Statement>(toCompute.Count);
        foreach (var host in toCompute)
        {
            var agreement = agreements[host];
            var own = corrections.GetValueOrDefault(host) ?? [];
            var result = StatementCalculator.ComputePeriod(agreement.Terms, CorrectionSettlement.Apply(usage.GetValueOrDefault(host) ?? [], own));
            var id = existing.TryGetValue(host, out var stored) ? stored.StatementId : NewStatementId();
            var draft = StatementComposer.ComposeDraft(id, agreement, period, result, adjustments.GetValueOrDefault(host) ?? [], now);
            drafts.Add(CorrectionSettlement.NameCorrections(
                draft,
                own,
                correctedPeriods.GetValueOrDefault(host) ?? new Dictionary<YearMonth, List<AppliedCorrection>>(),
                taken.GetValueOrDefault(host) ?? []));
        }

        var revision = await session.WriteDraftsAsync(drafts, cancellationToken);
        var written = drafts.Select(d => d with { ComputedRevision = revision }).ToList();
        if (written.Count > 0)
        {
            await session.WriteAuditAsync(RunEvent(period, filter, existing, written, skipped, actor, now), cancellationToken);
        }

        await session.CommitAsync(cancellationToken);
        return new SettlementRunResult(written, skipped);
    }

    /// <summary>
    /// The run's audit event, about the period (and about its host when the run asked for exactly one): before, the
    /// drafts it replaced; after, the statements it wrote and the hosts it skipped.
    /// </summary>
    private static AuditEntry RunEvent(
        YearMonth period,
        IReadOnlyList<string>? filter,
        IReadOnlyDictionary<string, StatementRef> existing,
        IReadOnlyList<Statement> written,
        IReadOnlyList<(string HostId, SettlementSkipReason Reason)> skipped,
        AuditActor actor,
        DateTime now)
    {
        var replaced = new JsonArray();
        foreach (var statement in written)
        {
            if (existing.TryGetValue(statement.HostId, out var old))
            {
                replaced.Add(new JsonObject
                {
                    ["statement_id"] = old.StatementId,
                    ["host_id"] = statement.HostId,
                    ["status"] = "DRAFT",
                    ["gross_revenue"] = AuditLog.Decimal(old.GrossRevenue),
                    ["amount_owed"] = AuditLog.Decimal(old.AmountOwed),
                    ["computed_at"] = AuditLog.Time(old.ComputedAt),
                });
            }
        }

        var after = new JsonObject
        {
            ["period"] = period.ToString(),
            ["requested_host_ids"] = filter is null ? null : new JsonArray(filter.Select(h => (JsonNode?)h).ToArray()),
            ["statements"] = new JsonArray(written.Select(s => (JsonNode?)SettlementAuditSummaries.Statement(s)).ToArray()),
            ["skipped"] = new JsonArray(skipped.Select(s => (JsonNode?)new JsonObject
            {
                ["host_id"] = s.HostId,
                ["reason"] = s.Reason == SettlementSkipReason.Final ? "FINAL" : "NO_AGREEMENT",
            }).ToArray()),
        };
        var before = replaced.Count > 0 ? new JsonObject { ["statements"] = replaced } : null;
        return new AuditEntry(now, actor, "settlement.run", "period", period.ToString(), filter is [var only] ? only : null, before, after);
    }

    /// <summary>
    /// For each host, the adjustments of earlier FINAL periods this period's statement carries: each such period
    /// recomputed from today's usage plus its approved corrections with its own terms, minus what has been settled
    /// for it; and, per host and corrected period, those approved corrections (to name them on the lines).
    /// </summary>
    private async Task<(Dictionary<string, List<AdjustmentResult>> Adjustments, Dictionary<string, Dictionary<YearMonth, List<AppliedCorrection>>> Corrections)> ComputeAdjustmentsAsync(
        SettlementRunSession session, YearMonth period, IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<AdjustmentResult>>(StringComparer.Ordinal);
        var applied = new Dictionary<string, Dictionary<YearMonth, List<AppliedCorrection>>>(StringComparer.Ordinal);
        var lookback = _options.AdjustmentLookbackMonths;
        var earlier = await session.ReadEarlierStatusesAsync(hosts, period.AddMonths(-lookback), cancellationToken);
        var keys = new List<(string HostId, YearMonth Period)>();
        foreach (var (host, statuses) in earlier)
        {
            foreach (var corrected in AdjustmentCarrier.PeriodsCarriedBy(period, statuses, lookback))
            {
                keys.Add((host, corrected));
            }
        }

        if (keys.Count == 0)
        {
            return (result, applied);
        }

        var settled = await session.ReadSettledAsync(keys, cancellationToken);
        foreach (var group in keys.GroupBy(k => k.Period))
        {
            var groupHosts = group.Select(k => k.HostId).ToList();
            var usage = await session.ReadUsageAsync(groupHosts, group.Key, cancellationToken);
            var corrections = await session.ReadApprovedCorrectionsAsync(groupHosts, group.Key, cancellationToken);
            foreach (var (host, corrected) in group)
            {
                var own = corrections.GetValueOrDefault(host) ?? [];
                if (own.Count > 0)
                {
                    if (!applied.TryGetValue(host, out var periods))
                    {
                        applied[host] = periods = [];
                    }

                    periods[corrected] = own;
                }

                if (settled.TryGetValue((host, corrected), out var basis)
                    && AdjustmentCalculator.Compute(basis, CorrectionSettlement.Apply(usage.GetValueOrDefault(host) ?? [], own)) is { } adjustment)
                {
                    if (!result.TryGetValue(host, out var list))
                    {
                        result[host] = list = [];
                    }

                    list.Add(adjustment);
                }
            }
        }

        return (result, applied);
    }

    private static string NewStatementId() => "st_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
