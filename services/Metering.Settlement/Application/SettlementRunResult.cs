using Metering.Domain.Settlement;

namespace Metering.Settlement.Application;

/// <summary>What a run wrote (DRAFT statements by host) and which hosts it skipped, and why.</summary>
internal sealed record SettlementRunResult(IReadOnlyList<Statement> Statements, IReadOnlyList<(string HostId, SettlementSkipReason Reason)> Skipped);
