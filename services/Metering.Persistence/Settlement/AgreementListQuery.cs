using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>
/// A page of agreements ordered by (host, effective month): optional hosts (null: all), optionally only those in
/// force for a month, starting after a (host, effective month) key.
/// </summary>
public sealed record AgreementListQuery(IReadOnlyCollection<string>? Hosts, YearMonth? InForceMonth, (string HostId, YearMonth EffectiveMonth)? After, int Limit);
