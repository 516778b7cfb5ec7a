namespace Metering.Domain.Settlement;

/// <summary>A period's correction and its ADJUSTMENT lines (one per model whose usage or gross changed).</summary>
public sealed record AdjustmentResult(PeriodAdjustment Summary, IReadOnlyList<StatementLine> Lines);
