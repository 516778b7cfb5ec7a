namespace Metering.Persistence.Audit;

/// <summary>A row of audit_events; <see cref="Summary"/> is the JSON text of <c>{"before": ..., "after": ...}</c>.</summary>
public sealed record AuditEventRecord(
    long EventId,
    DateTime OccurredAt,
    string ActorKeyId,
    string ActorRole,
    string Action,
    string TargetType,
    string TargetId,
    string? HostId,
    string Summary);
