using Metering.Contracts.V1;

namespace Metering.Client.Internal;

/// <summary>A closed batch: its wire message (producer id, sequence, records) and what the sender knows about it.</summary>
internal sealed class PendingBatch
{
    public PendingBatch(StreamUsageRequest request, bool restored)
    {
        Request = request;
        Restored = restored;
    }

    public StreamUsageRequest Request { get; }

    public ulong Sequence => Request.Sequence;

    public int RecordCount => Request.Records.Count;

    /// <summary>Loaded from the spool: a previous process may have sent it already.</summary>
    public bool Restored { get; set; }

    /// <summary>Times the batch was written to a stream by this process since it got its current sequence.</summary>
    public int Attempts { get; set; }
}
