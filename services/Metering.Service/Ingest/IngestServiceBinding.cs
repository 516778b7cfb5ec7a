using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>
/// Binds <see cref="IngestServiceEndpoint"/> the way Grpc.Tools binds a generated service base: the two methods of
/// <see cref="IngestService.Descriptor"/> under their wire names, StreamUsage with <see cref="IngestBatchParser"/> as
/// its request deserializer (design of the hot path: docs/architecture.md, "The ingest path"), everything else with
/// the generated messages' own parsers and serializers. grpc-dotnet finds this class through the
/// <see cref="BindServiceMethodAttribute"/> of the endpoint, and so does server reflection (the <see cref="Descriptor"/>).
/// </summary>
internal static class IngestServiceBinding
{
    public static readonly Method<IngestBatch, StreamUsageResponse> StreamUsage = new(
        MethodType.DuplexStreaming,
        IngestService.Descriptor.FullName,
        "StreamUsage",
        Marshallers.Create<IngestBatch>(static (_, _) => throw new NotSupportedException("The server only reads IngestBatch."), ParseBatch),
        Marshaller<StreamUsageResponse>());

    public static readonly Method<ReportUsageRequest, ReportUsageResponse> ReportUsage = new(
        MethodType.Unary,
        IngestService.Descriptor.FullName,
        "ReportUsage",
        Marshaller<ReportUsageRequest>(),
        Marshaller<ReportUsageResponse>());

    private static IngestBatch ParseBatch(DeserializationContext context)
    {
        var started = Stopwatch.GetTimestamp();
        return IngestBatchParser.Parse(context.PayloadAsReadOnlySequence()).Parsed(started, Stopwatch.GetTimestamp());
    }

    /// <summary>The service's descriptor, for server reflection.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => IngestService.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, IngestServiceEndpoint? serviceImpl)
    {
        serviceBinder.AddMethod(StreamUsage, serviceImpl is null ? null : new DuplexStreamingServerMethod<IngestBatch, StreamUsageResponse>(serviceImpl.StreamUsage));
        serviceBinder.AddMethod(ReportUsage, serviceImpl is null ? null : new UnaryServerMethod<ReportUsageRequest, ReportUsageResponse>(serviceImpl.ReportUsage));
    }

    private static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(static () => new T());
        return Marshallers.Create<T>(
            static (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
    }
}
