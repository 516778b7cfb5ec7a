using System.IO.Hashing;
using System.Text;

namespace Metering.Service.Ingest;

/// <summary>
/// The model names read from request bytes, shared by every stream: a batch names a handful of models hundreds of times,
/// so each distinct name is decoded once and the same string instance is returned for the same bytes (no allocation
/// per record, and cheap equality in the aggregation). A fixed table of <see cref="Slots"/> entries, replaced on
/// collision: a lookup that misses decodes the bytes as protobuf does (strict UTF-8: <see cref="Decode"/>), so the
/// names are exactly the generated parser's. Written lock-free: an entry is immutable and published whole.
/// </summary>
internal static class ModelNames
{
    /// <summary>Entries of the table: 4,096.</summary>
    public const int Slots = 4096;

    /// <summary>Names longer than this are decoded every time (they are invalid anyway: the limit is far lower).</summary>
    private const int MaxCachedBytes = 256;

    private static readonly Entry?[] Table = new Entry?[Slots];

    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxCachedBytes)
        {
            return Decode(utf8);
        }

        var hash = XxHash3.HashToUInt64(utf8);
        ref var slot = ref Table[(int)(hash & (Slots - 1))];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && entry.Hash == hash && utf8.SequenceEqual(entry.Utf8))
        {
            return entry.Value;
        }

        var fresh = new Entry(hash, utf8.ToArray(), Decode(utf8));
        Volatile.Write(ref slot, fresh);
        return fresh.Value;
    }

    /// <summary>A protobuf string field: UTF-8, refused (as by the generated parser) when it is not valid UTF-8.</summary>
    public static string Decode(ReadOnlySpan<byte> utf8)
        => System.Text.Unicode.Utf8.IsValid(utf8)
            ? Encoding.UTF8.GetString(utf8)
            : throw new MalformedMessageException("a string field is not valid UTF-8");

    private sealed class Entry(ulong hash, byte[] utf8, string value)
    {
        public ulong Hash { get; } = hash;

        public byte[] Utf8 { get; } = utf8;

        public string Value { get; } = value;
    }
}
