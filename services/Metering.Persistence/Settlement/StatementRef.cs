using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>The id, status and totals of a stored statement, and when it was computed.</summary>
public readonly record struct StatementRef(string StatementId, StatementStatus Status, decimal GrossRevenue, decimal AmountOwed, DateTime ComputedAt);
