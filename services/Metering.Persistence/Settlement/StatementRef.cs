using Metering.Domain.Settlement;

namespace Metering.Persistence.Settlement;

/// <summary>The id and status of a stored statement.</summary>
public readonly record struct StatementRef(string StatementId, StatementStatus Status);
