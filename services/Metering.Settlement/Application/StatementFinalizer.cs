using Metering.Domain.Settlement;
using Metering.Persistence.Settlement;

namespace Metering.Settlement.Application;

/// <summary>FinalizeStatement: freezes a DRAFT as last computed, if <see cref="FinalizeRules"/> allow it.</summary>
internal sealed class StatementFinalizer
{
    private readonly StatementRepository _statements;
    private readonly TimeProvider _time;

    public StatementFinalizer(StatementRepository statements, TimeProvider time)
    {
        _statements = statements;
        _time = time;
    }

    /// <summary>The FINAL statement (unchanged when it already was FINAL).</summary>
    public async Task<Statement> FinalizeAsync(string statementId, bool allowUnpriced, DateTime? expectedComputedAt, CancellationToken cancellationToken)
    {
        var now = _time.UtcNowMicroseconds();
        var outcome = await _statements.FinalizeAsync(statementId, now, context => FinalizeRules.Check(context, now, allowUnpriced, expectedComputedAt), cancellationToken);
        return outcome.Kind switch
        {
            FinalizeOutcomeKind.NotFound => throw SettlementFailure.NotFound($"statement_id '{statementId}' does not exist."),
            FinalizeOutcomeKind.Rejected => throw SettlementFailure.Precondition($"statement {statementId} cannot be finalized: {outcome.Reason}."),
            _ => outcome.Statement!,
        };
    }
}
