using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Metering.Contracts.V1;

/// <summary>
/// The receipt chain of protos/metering/v1/ingest.proto (<see cref="Receipt"/>): the server computes it for every
/// ack, a producer recomputes it from the bytes it sent. With H = SHA-256:
/// chain_0 = H("metering.v1/receipt-chain" || 0x00 || host || 0x00 || producer) and
/// chain_n = H(chain_{n-1} || sequence (8 bytes, big-endian) || result (1 byte) || H(request bytes)).
/// A ReportUsage call is a chain of one link from <see cref="KeyOrigin"/>, with sequence 0.
/// </summary>
public static class ReceiptChain
{
    /// <summary>Bytes of a SHA-256 value.</summary>
    public const int HashSize = 32;

    private const int LinkSize = HashSize + sizeof(ulong) + 1 + HashSize;

    private static readonly byte[] ProducerDomain = Encoding.ASCII.GetBytes("metering.v1/receipt-chain");
    private static readonly byte[] KeyDomain = Encoding.ASCII.GetBytes("metering.v1/receipt-key");

    /// <summary>chain_0 of a producer of a host.</summary>
    public static byte[] Origin(string hostId, string producerId) => OriginOf(ProducerDomain, hostId, producerId);

    /// <summary>chain_0 of a ReportUsage idempotency key of a host.</summary>
    public static byte[] KeyOrigin(string hostId, string idempotencyKey) => OriginOf(KeyDomain, hostId, idempotencyKey);

    /// <summary>chain_n from chain_{n-1} and the batch's sequence, result and request hash.</summary>
    public static byte[] Next(ReadOnlySpan<byte> previous, ulong sequence, IngestResult result, ReadOnlySpan<byte> requestSha256)
    {
        if (previous.Length != HashSize || requestSha256.Length != HashSize)
        {
            throw new ArgumentException("chain values and request hashes are 32-byte SHA-256 values");
        }

        Span<byte> link = stackalloc byte[LinkSize];
        previous.CopyTo(link);
        BinaryPrimitives.WriteUInt64BigEndian(link[HashSize..], sequence);
        link[HashSize + sizeof(ulong)] = checked((byte)result);
        requestSha256.CopyTo(link[(HashSize + sizeof(ulong) + 1)..]);
        return SHA256.HashData(link);
    }

    /// <summary>H(request): SHA-256 of a request message's bytes as sent.</summary>
    public static byte[] RequestHash(ReadOnlySpan<byte> requestBytes) => SHA256.HashData(requestBytes);

    private static byte[] OriginOf(byte[] domain, string hostId, string id)
    {
        var host = Encoding.UTF8.GetBytes(hostId);
        var name = Encoding.UTF8.GetBytes(id);
        var input = new byte[domain.Length + 1 + host.Length + 1 + name.Length];
        domain.CopyTo(input, 0);
        host.CopyTo(input, domain.Length + 1);
        name.CopyTo(input, domain.Length + 1 + host.Length + 1);
        return SHA256.HashData(input);
    }
}
