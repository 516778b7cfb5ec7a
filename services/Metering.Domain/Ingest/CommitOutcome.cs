namespace Metering.Domain.Ingest;

/// <summary>What the atomic Redis step decided for one batch.</summary>
public enum CommitOutcomeKind
{
    /// <summary>The batch's counters (if any) and its sequence or key were applied.</summary>
    Applied,

    /// <summary>The sequence was already consumed (stream) or the key already accepted with the same records (unary).</summary>
    Duplicate,

    /// <summary>The sequence is beyond the next expected one; nothing changed.</summary>
    SequenceGap,

    /// <summary>The idempotency key was accepted before with different records; nothing changed.</summary>
    KeyReusedWithDifferentRecords,

    /// <summary>Applying the batch would push a bucket total past the safe limit; nothing applied, the sequence consumed.</summary>
    CounterOverflow,

    /// <summary>
    /// The producer's stored chain head is not the one the batch was chained to (another stream of the producer moved
    /// it, or an earlier batch of this stream was refused for overflow); nothing changed, the sequence not consumed.
    /// </summary>
    ChainConflict,
}

/// <summary>
/// The outcome; for a gap, the sequence the server expected; for a duplicate of a producer's head or of an idempotency
/// key, the state stored with it (the original decision's receipt); for a chain conflict, the producer's stored state.
/// </summary>
public readonly record struct CommitOutcome(CommitOutcomeKind Kind, ulong ExpectedSequence = 0, string? StoredState = null)
{
    /// <summary>Decodes the integer the Lua step returns: 0 applied, -1 duplicate, -2 key reuse, -3 overflow, -4 chain conflict, n &gt; 0 gap expecting n.</summary>
    public static CommitOutcome FromScriptResult(long value, string? storedState = null) => value switch
    {
        0 => new CommitOutcome(CommitOutcomeKind.Applied),
        -1 => new CommitOutcome(CommitOutcomeKind.Duplicate, StoredState: storedState),
        -2 => new CommitOutcome(CommitOutcomeKind.KeyReusedWithDifferentRecords),
        -3 => new CommitOutcome(CommitOutcomeKind.CounterOverflow),
        -4 => new CommitOutcome(CommitOutcomeKind.ChainConflict, StoredState: storedState),
        > 0 => new CommitOutcome(CommitOutcomeKind.SequenceGap, (ulong)value),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown result of the ingest script."),
    };
}
