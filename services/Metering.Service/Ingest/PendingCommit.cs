using Metering.Domain.Ingest;

namespace Metering.Service.Ingest;

/// <summary>One batch waiting for the group commit: by producer sequence or by idempotency key.</summary>
internal sealed class PendingCommit : TaskCompletionSource<CommitOutcome>
{
    public PendingCommit(string hostId, bool bySequence, string id, string token, BucketDelta[] deltas, string chainedTo, string stateIfApplied, string stateIfOverflow)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        HostId = hostId;
        BySequence = bySequence;
        Id = id;
        Token = token;
        Deltas = deltas;
        ChainedTo = chainedTo;
        StateIfApplied = stateIfApplied;
        StateIfOverflow = stateIfOverflow;
    }

    public string HostId { get; }

    public bool BySequence { get; }

    /// <summary>The producer id or the idempotency key.</summary>
    public string Id { get; }

    /// <summary>The sequence (decimal) or the hash of the records.</summary>
    public string Token { get; }

    public BucketDelta[] Deltas { get; }

    /// <summary>By sequence: the producer's chain head (hex) this batch was chained to; the step refuses the batch if the stored head differs.</summary>
    public string ChainedTo { get; }

    /// <summary>
    /// What the step stores if the batch applies: by sequence, the producer state with the batch's receipt
    /// (<see cref="ProducerState"/>); by key, the records hash and the request hash. Empty by sequence when the batch
    /// was not expected to be the next one (then it may only be a duplicate or a gap).
    /// </summary>
    public string StateIfApplied { get; }

    /// <summary>By sequence: the producer state if the batch is refused for overflow (its receipt says REJECTED).</summary>
    public string StateIfOverflow { get; }
}
