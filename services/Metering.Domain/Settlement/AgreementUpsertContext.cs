namespace Metering.Domain.Settlement;

/// <summary>
/// What the stored state says about an upsert of (host, effective month): whether the host exists, its latest FINAL
/// period, and its agreements just before and just after the month (other than the one being replaced).
/// </summary>
public sealed record AgreementUpsertContext(bool HostExists, YearMonth? LatestFinalPeriod, Agreement? Previous, Agreement? Next);
