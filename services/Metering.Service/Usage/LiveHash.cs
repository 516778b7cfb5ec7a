using System.Runtime.InteropServices;
using System.Text;
using Metering.Domain.Usage;
using StackExchange.Redis;

namespace Metering.Service.Usage;

/// <summary>
/// Reads a host's live hash or a flush snapshot (its renamed copy): fields "&lt;hour&gt;:&lt;model&gt;|&lt;f&gt;" with f one
/// of i (input tokens), o (output tokens), r (requests), b (billed micros), n (records), summed per bucket, or N
/// (records too, of the bucket's first usage ever, which arrived since the last cut: PostgreSQL has no row for it).
/// Field <see cref="FirstWriteField"/> is not a bucket and is skipped.
/// </summary>
internal static class LiveHash
{
    /// <summary>The time (Redis TIME, µs) of the hash's first write since its last cut; the flush lag is measured from it.</summary>
    public const string FirstWriteField = "|t0";

    public static List<LiveBucket> Parse(RedisResult[] flat)
    {
        var buckets = new Dictionary<string, LiveBucket>((flat.Length / 10) + 1, StringComparer.Ordinal);
        var lookup = buckets.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            Add(lookup, ((string)flat[i]!).AsSpan(), (long)flat[i + 1]);
        }

        return ToList(buckets);
    }

    public static List<LiveBucket> Parse(HashEntry[] entries)
    {
        var buckets = new Dictionary<string, LiveBucket>((entries.Length / 5) + 1, StringComparer.Ordinal);
        var lookup = buckets.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> name = stackalloc char[1200];
        foreach (var entry in entries)
        {
            // Decoded on the stack: only a bucket seen for the first time allocates its member string.
            ReadOnlyMemory<byte> bytes = entry.Name;
            if (bytes.Length <= name.Length)
            {
                Add(lookup, name[..Encoding.UTF8.GetChars(bytes.Span, name)], (long)entry.Value);
            }
            else
            {
                Add(lookup, ((string)entry.Name!).AsSpan(), (long)entry.Value);
            }
        }

        return ToList(buckets);
    }

    private static void Add(Dictionary<string, LiveBucket>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<char> field, long value)
    {
        if (field.SequenceEqual(FirstWriteField))
        {
            return;
        }

        var bar = field.Length - 2;
        if (bar <= 0 || field[bar] != '|')
        {
            throw new FormatException($"'{field}' is not a counter field \"<hour>:<model>|<f>\".");
        }

        ref var bucket = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, field[..bar], out _);
        switch (field[bar + 1])
        {
            case 'i': bucket.Counters.InputTokens += value; break;
            case 'o': bucket.Counters.OutputTokens += value; break;
            case 'r': bucket.Counters.Requests += value; break;
            case 'b': bucket.Counters.BilledMicros += value; break;
            case 'n': bucket.Counters.Records += value; break;
            case 'N':
                bucket.Counters.Records += value;
                bucket.FirstUsage = true;
                break;
            default: throw new FormatException($"'{field}' names no counter (i, o, r, b, n, N).");
        }
    }

    private static List<LiveBucket> ToList(Dictionary<string, LiveBucket> buckets)
    {
        var list = new List<LiveBucket>(buckets.Count);
        foreach (var (member, parsed) in buckets)
        {
            var bucket = parsed;
            bucket.Bucket = HourBucket.FromMember(member);
            list.Add(bucket);
        }

        return list;
    }
}
