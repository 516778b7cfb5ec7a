using System.Buffers;
using System.IO.Compression;

namespace Metering.Grpc.Internal;

/// <summary>gzip message compression (the only encoding besides identity this runtime offers).</summary>
internal static class GzipCodec
{
    public static byte[] Compress(ReadOnlySpan<byte> payload)
    {
        using var output = new MemoryStream(payload.Length / 2 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Inflates <paramref name="compressed"/>; throws <see cref="RpcException"/> with RESOURCE_EXHAUSTED when the
    /// result exceeds <paramref name="maxSize"/> and INTERNAL when the data is not gzip.
    /// </summary>
    public static byte[] Decompress(ReadOnlySequence<byte> compressed, int maxSize)
    {
        try
        {
            using var input = new MemoryStream(compressed.ToArray());
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
                {
                    if (output.Length + read > maxSize)
                    {
                        throw new RpcException(StatusCode.ResourceExhausted, $"Decompressed message exceeds the receive limit of {maxSize} bytes.");
                    }

                    output.Write(buffer, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(StatusCode.Internal, "Failed to decompress a gzip message: " + ex.Message);
        }
    }
}
