using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Rpc;

/// <summary>The streaming method with the load generator's own marshaller, and the bearer headers of every call.</summary>
internal static class MeteringMethods
{
    /// <summary>
    /// IngestService.StreamUsage with a pre-encoded request type: the same method and wire bytes as
    /// <see cref="StreamUsageRequest"/>, without building or walking a protobuf object per record.
    /// </summary>
    public static readonly Method<EncodedStreamUsageRequest, StreamUsageResponse> StreamUsage = new(
        MethodType.DuplexStreaming,
        IngestService.Descriptor.FullName,
        "StreamUsage",
        Marshallers.Create<EncodedStreamUsageRequest>(Serialize, static _ => throw new NotSupportedException("EncodedStreamUsageRequest is write-only; parse StreamUsageRequest.")),
        Marshallers.Create<StreamUsageResponse>(Serialize, static context => StreamUsageResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    /// <summary>Headers carrying <c>authorization: Bearer &lt;key&gt;</c>.</summary>
    public static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    private static void Serialize<TMessage>(TMessage message, SerializationContext context)
        where TMessage : IMessage
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
