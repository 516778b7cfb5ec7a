using Metering.Domain.Ingest;

namespace Metering.Service.Ingest;

/// <summary>One batch waiting for the group commit: by producer sequence or by idempotency key.</summary>
internal sealed class PendingCommit : TaskCompletionSource<CommitOutcome>
{
    public PendingCommit(string hostId, bool bySequence, string id, string token, BucketDelta[] deltas)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        HostId = hostId;
        BySequence = bySequence;
        Id = id;
        Token = token;
        Deltas = deltas;
    }

    public string HostId { get; }

    public bool BySequence { get; }

    /// <summary>The producer id or the idempotency key.</summary>
    public string Id { get; }

    /// <summary>The sequence (decimal) or the hash of the records.</summary>
    public string Token { get; }

    public BucketDelta[] Deltas { get; }
}
