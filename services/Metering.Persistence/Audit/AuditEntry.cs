using System.Text.Json.Nodes;

namespace Metering.Persistence.Audit;

/// <summary>
/// One audited change, as <see cref="AuditLog.WriteAsync"/> writes it: when, who, what (a dotted action such as
/// "api_key.revoke"), on what (a target type such as "api_key" and its id), the host it is about (null when it is about
/// no single host; a HOST key sees the events of its own host), and the state before and after (either may be null:
/// nothing before a creation). The summary is stored as <c>{"before": ..., "after": ...}</c> and must never hold a
/// secret (key secrets or their hashes, passwords): <see cref="AuditLog"/> refuses property names that look like one.
/// </summary>
public sealed record AuditEntry(
    DateTime OccurredAt,
    AuditActor Actor,
    string Action,
    string TargetType,
    string TargetId,
    string? HostId,
    JsonNode? Before,
    JsonNode? After);
