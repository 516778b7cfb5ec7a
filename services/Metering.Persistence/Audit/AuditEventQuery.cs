namespace Metering.Persistence.Audit;

/// <summary>
/// A page of audit events, newest first (descending event id): every filter is optional (null: any).
/// <see cref="From"/> is inclusive, <see cref="To"/> exclusive; <see cref="Action"/> is an exact action, or a prefix
/// when it ends with "." ("api_key." matches "api_key.create" and "api_key.revoke"); <see cref="BeforeEventId"/> is the
/// paging key (events with a smaller id only).
/// </summary>
public sealed record AuditEventQuery(
    DateTime? From,
    DateTime? To,
    string? Action,
    string? TargetType,
    string? TargetId,
    string? HostId,
    string? ActorKeyId,
    long? BeforeEventId,
    int Limit);
