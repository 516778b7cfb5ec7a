using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Metering.Grpc.Internal;

/// <summary>
/// The gRPC length-prefixed message: a 1-byte compressed flag, a 4-byte big-endian length, the payload.
/// </summary>
internal static class MessageFraming
{
    /// <summary>Serializes <paramref name="message"/> with its prefix straight into <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, IMessage message, bool compress, int? maxSendSize)
    {
        if (compress)
        {
            var compressed = GzipCodec.Compress(message.ToByteArray());
            CheckSendSize(compressed.Length, maxSendSize);
            var target = writer.GetSpan(GrpcProtocol.HeaderSize + compressed.Length);
            target[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(target[1..], (uint)compressed.Length);
            compressed.CopyTo(target[GrpcProtocol.HeaderSize..]);
            writer.Advance(GrpcProtocol.HeaderSize + compressed.Length);
            return;
        }

        var size = message.CalculateSize();
        CheckSendSize(size, maxSendSize);
        var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
        writer.Advance(GrpcProtocol.HeaderSize + size);
    }

    /// <summary>Serializes into a new array (used by the client, whose transport takes whole buffers).</summary>
    public static byte[] ToFramedArray(IMessage message, bool compress, int? maxSendSize)
    {
        if (compress)
        {
            var compressed = GzipCodec.Compress(message.ToByteArray());
            CheckSendSize(compressed.Length, maxSendSize);
            var framed = new byte[GrpcProtocol.HeaderSize + compressed.Length];
            framed[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)compressed.Length);
            compressed.CopyTo(framed.AsSpan(GrpcProtocol.HeaderSize));
            return framed;
        }

        var size = message.CalculateSize();
        CheckSendSize(size, maxSendSize);
        var result = new byte[GrpcProtocol.HeaderSize + size];
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(1), (uint)size);
        message.WriteTo(result.AsSpan(GrpcProtocol.HeaderSize));
        return result;
    }

    /// <summary>
    /// Takes one whole message off the front of <paramref name="buffer"/>. Returns false when more bytes are needed.
    /// A declared length above <paramref name="maxReceiveSize"/> fails at once, before its payload arrives.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxReceiveSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid compressed flag {flag} in a message prefix (expected 0 or 1).");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxReceiveSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxReceiveSize}).");
        }

        if (buffer.Length < GrpcProtocol.HeaderSize + length)
        {
            return false;
        }

        compressed = flag == 1;
        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(GrpcProtocol.HeaderSize + length);
        return true;
    }

    /// <summary>Parses a payload, inflating it first when its flag says it is compressed.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, bool gzipNegotiated, int maxReceiveSize)
        where T : IMessage<T>
    {
        if (compressed)
        {
            if (!gzipNegotiated)
            {
                throw new RpcException(StatusCode.Internal, "A message has the compressed flag set but the call has no grpc-encoding.");
            }

            var inflated = GzipCodec.Decompress(payload, maxReceiveSize);
            return ParseOrThrow(parser, new ReadOnlySequence<byte>(inflated));
        }

        return ParseOrThrow(parser, payload);
    }

    private static T ParseOrThrow<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(StatusCode.Internal, "Failed to deserialize the message: " + ex.Message);
        }
    }

    private static void CheckSendSize(int size, int? maxSendSize)
    {
        if (maxSendSize is { } max && size > max)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message larger than max ({size} vs. {max}).");
        }
    }
}
