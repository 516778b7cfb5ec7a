using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Streams;

/// <summary>
/// One entry of a stream's window of unacknowledged batches, indexed by sequence modulo the window size. It is
/// reused only after its ack has been read, so the reader always finds the batch it acknowledges.
/// </summary>
internal struct InFlightSlot
{
    /// <summary>The request object sent from this slot (one per slot; only its sequence and template change).</summary>
    public EncodedStreamUsageRequest Message;

    /// <summary>What the batch carries, for the tally when it is ACCEPTED.</summary>
    public BatchTemplate Template;

    /// <summary>
    /// Where its ack latency counts from: the scheduled send time at a fixed rate (so a late send is not hidden:
    /// no coordinated omission), else the actual send; the earlier of the two.
    /// </summary>
    public long Start;
}
