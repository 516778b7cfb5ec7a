using Google.Protobuf;

namespace Metering.LoadGen.Workload;

/// <summary>
/// One pre-encoded batch: each record's protobuf bytes, ready to be written as field 3 of a StreamUsageRequest,
/// and what the batch adds to each of its models' counters (so an ACCEPTED ack is tallied in a few additions).
/// </summary>
internal sealed class BatchTemplate
{
    public BatchTemplate(ByteString[] records, int encodedRecordsSize, int[] models, long[] inputTokens, long[] outputTokens, long[] requests, long[] billedMicros)
    {
        Records = records;
        EncodedRecordsSize = encodedRecordsSize;
        Models = models;
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        Requests = requests;
        BilledMicros = billedMicros;
    }

    /// <summary>The encoded UsageRecord messages, in order.</summary>
    public ByteString[] Records { get; }

    public int RecordCount => Records.Length;

    /// <summary>Bytes the records take inside the request: a tag, a length and the record, for each.</summary>
    public int EncodedRecordsSize { get; }

    /// <summary>The distinct models of the batch (indexes into the catalog); the arrays below are parallel to it.</summary>
    public int[] Models { get; }

    public long[] InputTokens { get; }

    public long[] OutputTokens { get; }

    public long[] Requests { get; }

    public long[] BilledMicros { get; }
}
