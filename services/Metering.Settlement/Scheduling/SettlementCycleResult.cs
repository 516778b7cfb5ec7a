using Metering.Domain.Settlement;

namespace Metering.Settlement.Scheduling;

/// <summary>What one pass of the schedule did: the months recomputed, the statements finalized and those left as DRAFT (with why).</summary>
internal sealed record SettlementCycleResult(
    IReadOnlyList<YearMonth> MonthsRun,
    IReadOnlyList<Statement> Finalized,
    IReadOnlyList<(string StatementId, string Reason)> LeftDraft);
