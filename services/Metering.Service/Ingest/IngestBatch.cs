using System.Buffers;

namespace Metering.Service.Ingest;

/// <summary>
/// One <c>StreamUsageRequest</c> as <see cref="IngestBatchParser"/> reads it from the request bytes: the producer, the
/// sequence and the records, held in a pooled array that <see cref="Dispose"/> returns. The wire message is unchanged;
/// only the server reads it without building a protobuf object per record.
/// </summary>
internal sealed class IngestBatch : IDisposable
{
    private ReceivedRecord[]? _records;

    public IngestBatch(string producerId, ulong sequence, ReceivedRecord[] records, int stored, int count)
    {
        ProducerId = producerId;
        Sequence = sequence;
        _records = records;
        Stored = stored;
        RecordCount = count;
    }

    public string ProducerId { get; }

    public ulong Sequence { get; }

    /// <summary>How many records the message carried (beyond <see cref="IngestBatchParser.MaxStoredRecords"/> they are counted, not kept).</summary>
    public int RecordCount { get; }

    /// <summary>How many records are kept in <see cref="Records"/>.</summary>
    public int Stored { get; }

    /// <summary>When the server began parsing the message (a <see cref="System.Diagnostics.Stopwatch"/> timestamp): the ack latency and the batch's span start here.</summary>
    public long ParseStarted { get; private set; }

    /// <summary>When the parse ended (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long ParseEnded { get; private set; }

    /// <summary>SHA-256 of the message's bytes as received: the batch's H(request) in its receipt (<see cref="Metering.Contracts.V1.ReceiptChain"/>).</summary>
    public byte[] RequestSha256 { get; private set; } = [];

    /// <summary>The records kept, in message order.</summary>
    public ReadOnlyMemory<ReceivedRecord> Records => _records is null ? throw new ObjectDisposedException(nameof(IngestBatch)) : _records.AsMemory(0, Stored);

    /// <summary>Stamps the request hash and the parse's start and end (<see cref="IngestServiceBinding"/>'s deserializer).</summary>
    public IngestBatch Parsed(byte[] requestSha256, long started, long ended)
    {
        RequestSha256 = requestSha256;
        ParseStarted = started;
        ParseEnded = ended;
        return this;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _records, null) is { } records)
        {
            Array.Clear(records, 0, Stored);
            ArrayPool<ReceivedRecord>.Shared.Return(records);
        }
    }
}
