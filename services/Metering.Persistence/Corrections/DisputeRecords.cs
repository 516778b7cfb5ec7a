using Metering.Domain.Settlement;

namespace Metering.Persistence.Corrections;

/// <summary>Lifecycle of a dispute: OPEN becomes RESOLVED (by a correction) or REJECTED (with a reason), once.</summary>
public enum DisputeState
{
    Open,
    Resolved,
    Rejected,
}

/// <summary>One line of a statement, as a dispute names it: its model and, for an ADJUSTMENT line, the period it corrects.</summary>
public sealed record DisputeLine(string Model, YearMonth? CorrectsPeriod)
{
    /// <summary>The stored form: "YYYY-MM/model" for an ADJUSTMENT line, "/model" for a USAGE line.</summary>
    public string Key => (CorrectsPeriod?.ToString() ?? string.Empty) + "/" + Model;

    public static DisputeLine FromKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return new DisputeLine(key[(slash + 1)..], slash == 0 ? null : YearMonth.Parse(key[..slash]));
    }
}

/// <summary>A host's acknowledgement of a FINAL statement.</summary>
public sealed record StatementAcknowledgementRecord(string StatementId, string HostId, DateTime AcknowledgedAt, string ActorKeyId, string Message);

/// <summary>A stored dispute of a FINAL statement (<see cref="Lines"/> empty: the whole statement).</summary>
public sealed record DisputeRecord(
    string DisputeId,
    string StatementId,
    string HostId,
    YearMonth Period,
    IReadOnlyList<DisputeLine> Lines,
    string Message,
    DisputeState State,
    DateTime OpenedAt,
    string OpenedByKeyId,
    DateTime? ResolvedAt,
    string? ResolvedByKeyId,
    string? CorrectionId,
    string? Resolution);

/// <summary>A page of corrections: filters (null: any), the sort key to start after, and how many to read.</summary>
public sealed record CorrectionListQuery(string? HostId, YearMonth? Period, Domain.Corrections.CorrectionState? State, (YearMonth Period, DateTime ProposedAt, string CorrectionId)? After, int Limit);

/// <summary>A page of disputes: filters (null: any), the sort key to start after, and how many to read.</summary>
public sealed record DisputeListQuery(string? HostId, string? StatementId, DisputeState? State, (DateTime OpenedAt, string DisputeId)? After, int Limit);
