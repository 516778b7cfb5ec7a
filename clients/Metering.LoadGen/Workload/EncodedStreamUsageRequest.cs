using Google.Protobuf;
using Google.Protobuf.Reflection;
using Metering.Contracts.V1;

namespace Metering.LoadGen.Workload;

/// <summary>
/// A StreamUsageRequest written from pre-encoded parts: producer_id (field 1), sequence (field 2) and the records of
/// a <see cref="BatchTemplate"/> (field 3, each written as the length-delimited bytes of its UsageRecord). The wire
/// bytes are exactly those of the generated message; only the sequence changes between sends, so a send costs a
/// varint and one copy per record instead of sizing and writing every field of every record.
/// Write-only: the server parses the generated type.
/// </summary>
internal sealed class EncodedStreamUsageRequest : IMessage<EncodedStreamUsageRequest>, IBufferMessage
{
    public static readonly MessageParser<EncodedStreamUsageRequest> Parser = new(() => throw new NotSupportedException("EncodedStreamUsageRequest is write-only; parse StreamUsageRequest."));

    private const byte ProducerIdTag = 1 << 3 | 2;
    private const byte SequenceTag = 2 << 3 | 0;
    private const byte RecordsTag = 3 << 3 | 2;

    private readonly ByteString _producerId;
    private readonly int _producerIdSize;

    public EncodedStreamUsageRequest(string producerId, BatchTemplate template)
    {
        _producerId = ByteString.CopyFromUtf8(producerId);
        _producerIdSize = 1 + CodedOutputStream.ComputeBytesSize(_producerId);
        Template = template;
    }

    public ulong Sequence { get; set; }

    public BatchTemplate Template { get; set; }

    MessageDescriptor IMessage.Descriptor => StreamUsageRequest.Descriptor;

    public int CalculateSize()
        => _producerIdSize + (Sequence == 0 ? 0 : 1 + CodedOutputStream.ComputeUInt64Size(Sequence)) + Template.EncodedRecordsSize;

    public void WriteTo(CodedOutputStream output) => output.WriteRawMessage(this);

    void IBufferMessage.InternalWriteTo(ref WriteContext ctx)
    {
        ctx.WriteRawTag(ProducerIdTag);
        ctx.WriteBytes(_producerId);
        if (Sequence != 0)
        {
            ctx.WriteRawTag(SequenceTag);
            ctx.WriteUInt64(Sequence);
        }

        foreach (var record in Template.Records)
        {
            ctx.WriteRawTag(RecordsTag);
            ctx.WriteBytes(record);
        }
    }

    public void MergeFrom(EncodedStreamUsageRequest message) => throw new NotSupportedException();

    public void MergeFrom(CodedInputStream input) => throw new NotSupportedException();

    void IBufferMessage.InternalMergeFrom(ref ParseContext ctx) => throw new NotSupportedException();

    public EncodedStreamUsageRequest Clone() => new(_producerId.ToStringUtf8(), Template) { Sequence = Sequence };

    public bool Equals(EncodedStreamUsageRequest? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
