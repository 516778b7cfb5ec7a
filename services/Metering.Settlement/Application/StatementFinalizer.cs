using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Metering.Persistence.Settlement;
using Metering.Settlement.Telemetry;

namespace Metering.Settlement.Application;

/// <summary>FinalizeStatement: freezes a DRAFT as last computed, if <see cref="FinalizeRules"/> allow it (with its audit event).</summary>
internal sealed class StatementFinalizer
{
    private readonly StatementRepository _statements;
    private readonly TimeProvider _time;
    private readonly SettlementMetrics _metrics;

    public StatementFinalizer(StatementRepository statements, TimeProvider time, SettlementMetrics metrics)
    {
        _statements = statements;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>The FINAL statement (unchanged, and no audit event, when it already was FINAL); <paramref name="actor"/> finalized it.</summary>
    public async Task<Statement> FinalizeAsync(string statementId, bool allowUnpriced, DateTime? expectedComputedAt, AuditActor actor, CancellationToken cancellationToken)
    {
        var now = _time.UtcNowMicroseconds();
        var outcome = await _statements.FinalizeAsync(statementId, now, actor, context => FinalizeRules.Check(context, now, allowUnpriced, expectedComputedAt), cancellationToken);
        var statement = outcome.Kind switch
        {
            FinalizeOutcomeKind.NotFound => throw SettlementFailure.NotFound($"statement_id '{statementId}' does not exist."),
            FinalizeOutcomeKind.Rejected => throw SettlementFailure.Precondition($"statement {statementId} cannot be finalized: {outcome.Reason}."),
            _ => outcome.Statement!,
        };
        if (outcome.Kind == FinalizeOutcomeKind.Finalized)
        {
            _metrics.Finalized();
        }

        return statement;
    }
}
