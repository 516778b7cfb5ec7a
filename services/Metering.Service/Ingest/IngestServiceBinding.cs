using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>
/// Binds <see cref="IngestServiceEndpoint"/> the way Grpc.Tools binds a generated service base: the two methods of
/// <see cref="IngestService.Descriptor"/> under their wire names, StreamUsage with <see cref="IngestBatchParser"/> as
/// its request deserializer (design of the hot path: docs/architecture.md, "The ingest path") and ReportUsage's request
/// read as a <see cref="ReceivedReport"/>, both with the SHA-256 of their bytes as received (their receipts hash what
/// the client sent, docs/trust.md); responses with the generated messages' own serializers. grpc-dotnet finds this class through the
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

    public static readonly Method<ReceivedReport, ReportUsageResponse> ReportUsage = new(
        MethodType.Unary,
        IngestService.Descriptor.FullName,
        "ReportUsage",
        Marshallers.Create<ReceivedReport>(static (_, _) => throw new NotSupportedException("The server only reads ReceivedReport."), ParseReport),
        Marshaller<ReportUsageResponse>());

    private static IngestBatch ParseBatch(DeserializationContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var payload = context.PayloadAsReadOnlySequence();
        var batch = IngestBatchParser.Parse(payload, out var requestSha256);
        return batch.Parsed(requestSha256, started, Stopwatch.GetTimestamp());
    }

    private static ReceivedReport ParseReport(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        return new ReceivedReport(ReportUsageRequest.Parser.ParseFrom(payload), Sha256(payload));
    }

    /// <summary>H(request) of the receipt: SHA-256 of the message bytes exactly as they arrived.</summary>
    private static byte[] Sha256(ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return SHA256.HashData(payload.FirstSpan);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in payload)
        {
            hash.AppendData(segment.Span);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>The service's descriptor, for server reflection.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => IngestService.Descriptor;

    public static void BindService(ServiceBinderBase serviceBinder, IngestServiceEndpoint? serviceImpl)
    {
        serviceBinder.AddMethod(StreamUsage, serviceImpl is null ? null : new DuplexStreamingServerMethod<IngestBatch, StreamUsageResponse>(serviceImpl.StreamUsage));
        serviceBinder.AddMethod(ReportUsage, serviceImpl is null ? null : new UnaryServerMethod<ReceivedReport, ReportUsageResponse>(serviceImpl.ReportUsage));
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
