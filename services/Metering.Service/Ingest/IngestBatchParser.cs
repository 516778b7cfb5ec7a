using System.Buffers;

namespace Metering.Service.Ingest;

/// <summary>
/// Reads a <c>StreamUsageRequest</c> (protos/metering/v1/ingest.proto) straight from its bytes into an
/// <see cref="IngestBatch"/>: the records land in a pooled array of structs, model names come from
/// <see cref="ModelNames"/>. Written by hand for the hot path (docs/architecture.md, "The ingest path"); it follows
/// protobuf's parsing rules exactly, so it reads what the generated parser reads: unknown fields (any wire type, groups
/// included) are skipped, a singular field given twice keeps its last value, an embedded event_time given twice is
/// merged, integers are varints of up to ten bytes, strings must be valid UTF-8. Anything else is a
/// <see cref="MalformedMessageException"/>.
/// </summary>
internal static class IngestBatchParser
{
    /// <summary>
    /// Records kept per message: the largest allowed <c>Ingest:MaxRecordsPerMessage</c> and one more, so that an
    /// oversized batch is still refused with its true count while its memory stays bounded.
    /// </summary>
    public const int MaxStoredRecords = 1_000_001;

    private const int MaxGroupDepth = 64;

    // Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 3/4 group, 5 fixed32).
    private const uint ProducerIdTag = (1 << 3) | 2;
    private const uint SequenceTag = 2 << 3;
    private const uint RecordTag = (3 << 3) | 2;
    private const uint ModelTag = (1 << 3) | 2;
    private const uint InputTokensTag = 2 << 3;
    private const uint OutputTokensTag = 3 << 3;
    private const uint RequestsTag = 4 << 3;
    private const uint BilledMicrosTag = 5 << 3;
    private const uint EventTimeTag = (6 << 3) | 2;
    private const uint SecondsTag = 1 << 3;
    private const uint NanosTag = 2 << 3;

    /// <summary>
    /// Parses the message and hashes its bytes (SHA-256, the receipt's H(request)) from the one contiguous span the
    /// parse reads: a payload in several segments is copied once, for both.
    /// </summary>
    public static IngestBatch Parse(ReadOnlySequence<byte> payload, out byte[] requestSha256)
    {
        if (payload.IsSingleSegment)
        {
            requestSha256 = System.Security.Cryptography.SHA256.HashData(payload.FirstSpan);
            return Parse(payload.FirstSpan);
        }

        var length = checked((int)payload.Length);
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            payload.CopyTo(copy);
            requestSha256 = System.Security.Cryptography.SHA256.HashData(copy.AsSpan(0, length));
            return Parse(copy.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    public static IngestBatch Parse(ReadOnlySpan<byte> message)
    {
        var producerId = string.Empty;
        ulong sequence = 0;
        var records = ArrayPool<ReceivedRecord>.Shared.Rent(Math.Min(MaxStoredRecords, Math.Max(16, message.Length / 32)));
        var stored = 0;
        var count = 0;
        try
        {
            var position = 0;
            while (position < message.Length)
            {
                var tag = ReadTag(message, ref position);
                switch (tag)
                {
                    case ProducerIdTag:
                        producerId = ModelNames.Decode(ReadBytes(message, ref position));
                        break;
                    case SequenceTag:
                        sequence = ReadVarint(message, ref position);
                        break;
                    case RecordTag:
                        var record = ParseRecord(ReadBytes(message, ref position));
                        count++;
                        if (stored < MaxStoredRecords)
                        {
                            if (stored == records.Length)
                            {
                                records = Grow(records, stored);
                            }

                            records[stored++] = record;
                        }

                        break;
                    default:
                        SkipField(message, ref position, tag, depth: 0);
                        break;
                }
            }

            return new IngestBatch(producerId, sequence, records, stored, count);
        }
        catch
        {
            Array.Clear(records, 0, stored);
            ArrayPool<ReceivedRecord>.Shared.Return(records);
            throw;
        }
    }

    private static ReceivedRecord ParseRecord(ReadOnlySpan<byte> bytes)
    {
        var record = new ReceivedRecord { Model = string.Empty };
        var position = 0;
        while (position < bytes.Length)
        {
            var tag = ReadTag(bytes, ref position);
            switch (tag)
            {
                case ModelTag:
                    record.Model = ModelNames.Get(ReadBytes(bytes, ref position));
                    break;
                case InputTokensTag:
                    record.InputTokens = (long)ReadVarint(bytes, ref position);
                    break;
                case OutputTokensTag:
                    record.OutputTokens = (long)ReadVarint(bytes, ref position);
                    break;
                case RequestsTag:
                    record.Requests = (long)ReadVarint(bytes, ref position);
                    break;
                case BilledMicrosTag:
                    record.BilledMicros = (long)ReadVarint(bytes, ref position);
                    record.HasBilledMicros = true;
                    break;
                case EventTimeTag:
                    record.HasEventTime = true;
                    MergeTimestamp(ReadBytes(bytes, ref position), ref record);
                    break;
                default:
                    SkipField(bytes, ref position, tag, depth: 0);
                    break;
            }
        }

        return record;
    }

    private static void MergeTimestamp(ReadOnlySpan<byte> bytes, ref ReceivedRecord record)
    {
        var position = 0;
        while (position < bytes.Length)
        {
            var tag = ReadTag(bytes, ref position);
            switch (tag)
            {
                case SecondsTag:
                    record.EventTimeSeconds = (long)ReadVarint(bytes, ref position);
                    break;
                case NanosTag:
                    record.EventTimeNanos = (int)ReadVarint(bytes, ref position);
                    break;
                default:
                    SkipField(bytes, ref position, tag, depth: 0);
                    break;
            }
        }
    }

    private static ReceivedRecord[] Grow(ReceivedRecord[] records, int stored)
    {
        var larger = ArrayPool<ReceivedRecord>.Shared.Rent(Math.Min(MaxStoredRecords, records.Length * 2));
        Array.Copy(records, larger, stored);
        Array.Clear(records, 0, stored);
        ArrayPool<ReceivedRecord>.Shared.Return(records);
        return larger;
    }

    /// <summary>A tag is a 32-bit varint: as protobuf reads one, a longer encoding keeps its low 32 bits.</summary>
    private static uint ReadTag(ReadOnlySpan<byte> bytes, ref int position)
    {
        var tag = (uint)ReadVarint(bytes, ref position);
        if ((tag >> 3) == 0)
        {
            throw new MalformedMessageException("a field tag has field number 0");
        }

        return tag;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new MalformedMessageException("a varint is truncated");
            }

            var b = bytes[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw new MalformedMessageException("a varint is longer than ten bytes");
    }

    /// <summary>A length is a 32-bit varint too (low 32 bits kept), and must not be negative or run past the message.</summary>
    private static ReadOnlySpan<byte> ReadBytes(ReadOnlySpan<byte> bytes, ref int position)
    {
        var length = (int)(uint)ReadVarint(bytes, ref position);
        if (length < 0)
        {
            throw new MalformedMessageException("a length-delimited field has a negative length");
        }

        if (length > bytes.Length - position)
        {
            throw new MalformedMessageException("a length-delimited field runs past the end of its message");
        }

        var slice = bytes.Slice(position, length);
        position += length;
        return slice;
    }

    private static void SkipField(ReadOnlySpan<byte> bytes, ref int position, uint tag, int depth)
    {
        switch (tag & 7)
        {
            case 0:
                ReadVarint(bytes, ref position);
                break;
            case 1:
                Skip(bytes, ref position, 8);
                break;
            case 2:
                ReadBytes(bytes, ref position);
                break;
            case 3:
                if (depth >= MaxGroupDepth)
                {
                    throw new MalformedMessageException("groups are nested too deeply");
                }

                while (true)
                {
                    var inner = ReadTag(bytes, ref position);
                    if ((inner & 7) == 4)
                    {
                        if ((inner >> 3) != (tag >> 3))
                        {
                            throw new MalformedMessageException("a group ends with the wrong field number");
                        }

                        break;
                    }

                    SkipField(bytes, ref position, inner, depth + 1);
                }

                break;
            case 5:
                Skip(bytes, ref position, 4);
                break;
            default:
                throw new MalformedMessageException(tag % 8 == 4 ? "a group ends that never started" : "a field has an invalid wire type");
        }
    }

    private static void Skip(ReadOnlySpan<byte> bytes, ref int position, int count)
    {
        if (count > bytes.Length - position)
        {
            throw new MalformedMessageException("a fixed-size field runs past the end of its message");
        }

        position += count;
    }
}
