using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>
/// A page of statements ordered by (period, host): optional hosts (null: all), period bounds (inclusive), status
/// (null: any), starting after a (period, host) key.
/// </summary>
public sealed record StatementListQuery(
    IReadOnlyCollection<string>? Hosts,
    YearMonth? PeriodFrom,
    YearMonth? PeriodTo,
    StatementStatus? Status,
    (YearMonth Period, string HostId)? After,
    int Limit);
