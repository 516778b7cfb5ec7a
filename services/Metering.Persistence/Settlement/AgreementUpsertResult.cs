using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>
/// Outcome of an upsert: the stored agreement and whether it was new; or the host was not found; or the stored
/// state broke a rule (<see cref="Rejection"/>) and nothing was written.
/// </summary>
public sealed record AgreementUpsertResult(Agreement? Agreement, bool Created, bool HostFound, SettlementViolation? Rejection);
