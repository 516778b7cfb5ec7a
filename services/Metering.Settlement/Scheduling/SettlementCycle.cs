using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Metering.Persistence.Settlement;
using Metering.Settlement.Application;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Metering.Settlement.Scheduling;

/// <summary>
/// One pass of the settlement schedule: recompute the previous month's drafts for every host (and the drafts still
/// open in older months), then finalize the drafts of every month that ended more than the grace period ago. A
/// draft is finalized right after it is recomputed, so it holds all usage flushed by then; one that cannot be
/// (unpriced lines) stays DRAFT, is logged and is retried on the next pass. Its runs and finalizations are audited
/// as <see cref="AuditActor.SettlementSchedule"/>.
/// </summary>
internal sealed partial class SettlementCycle
{
    private readonly SettlementEngine _engine;
    private readonly StatementRepository _statements;
    private readonly StatementFinalizer _finalizer;
    private readonly TimeProvider _time;
    private readonly SettlementOptions _options;
    private readonly ILogger<SettlementCycle> _logger;

    public SettlementCycle(SettlementEngine engine, StatementRepository statements, StatementFinalizer finalizer, TimeProvider time, IOptions<SettlementOptions> options, ILogger<SettlementCycle> logger)
    {
        _engine = engine;
        _statements = statements;
        _finalizer = finalizer;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public async Task<SettlementCycleResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var previous = YearMonth.Of(now).Previous();
        var openDrafts = await _statements.ListDraftsBeforeAsync(previous, cancellationToken);
        var months = openDrafts.GroupBy(d => d.Period).ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>?)g.Select(d => d.HostId).ToList());
        months[previous] = null;

        var finalized = new List<Statement>();
        var leftDraft = new List<(string, string)>();
        foreach (var (month, hosts) in months.OrderBy(m => m.Key))
        {
            var run = await _engine.RunAsync(month, hosts, AuditActor.SettlementSchedule, cancellationToken);
            LogMonthRun(_logger, month.ToString(), run.Statements.Count, run.Skipped.Count);
            if (now < month.EndUtc + _options.FinalizeGracePeriod)
            {
                continue;
            }

            foreach (var draft in run.Statements)
            {
                try
                {
                    finalized.Add(await _finalizer.FinalizeAsync(draft.StatementId, allowUnpriced: false, draft.ComputedAt, AuditActor.SettlementSchedule, cancellationToken));
                }
                catch (SettlementFailure ex) when (ex.Kind == SettlementFailureKind.FailedPrecondition)
                {
                    leftDraft.Add((draft.StatementId, ex.Message));
                    LogLeftDraft(_logger, draft.StatementId, draft.HostId, month.ToString(), ex.Message);
                }
            }
        }

        return new SettlementCycleResult(months.Keys.Order().ToList(), finalized, leftDraft);
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Settled {Period}: {Statements} draft statement(s) written, {Skipped} host(s) skipped.")]
    private static partial void LogMonthRun(ILogger logger, string period, int statements, int skipped);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Statement {StatementId} of host {HostId} for {Period} stays DRAFT past its grace period: {Reason}")]
    private static partial void LogLeftDraft(ILogger logger, string statementId, string hostId, string period, string reason);
}
