using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using Metering.Domain.Usage;
using System.Text.Json;
using StackExchange.Redis;

namespace Metering.Service.Usage;

/// <summary>
/// Reads a host's live hash or a flush snapshot (its renamed copy): fields "&lt;hour&gt;:&lt;model&gt;|&lt;f&gt;" with f one
/// of i (input tokens), o (output tokens), r (requests), b (billed micros), n (records), summed per bucket.
/// </summary>
internal static class LiveHash
{
    public static List<(HourBucket Bucket, UsageCounters Counters)> Parse(RedisResult[] flat)
    {
        var buckets = new Dictionary<string, UsageCounters>((flat.Length / 10) + 1, StringComparer.Ordinal);
        var lookup = buckets.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            Add(lookup, ((string)flat[i]!).AsSpan(), (long)flat[i + 1]);
        }

        return ToList(buckets);
    }

    /// <summary>Parses a hash encoded by Redis' cjson as a flat array ["field", "value", ...] ("{}" when empty).</summary>
    public static List<(HourBucket Bucket, UsageCounters Counters)> ParseJson(ReadOnlySpan<byte> json)
    {
        var buckets = new Dictionary<string, UsageCounters>((json.Length / 120) + 1, StringComparer.Ordinal);
        var lookup = buckets.GetAlternateLookup<ReadOnlySpan<char>>();
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType == JsonTokenType.StartObject)
        {
            return [];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new FormatException("A snapshot must be a JSON array of field names and values.");
        }

        Span<char> field = stackalloc char[1200];
        Span<byte> value = stackalloc byte[32];
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
        {
            // Decoded on the stack: only a bucket seen for the first time allocates its member string.
            var length = reader.CopyString(field);
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                throw new FormatException("A snapshot field has no value.");
            }

            var valueLength = reader.CopyString(value);
            if (!Utf8Parser.TryParse(value[..valueLength], out long counter, out var consumed) || consumed != valueLength)
            {
                throw new FormatException($"A snapshot value is not an integer: '{Encoding.UTF8.GetString(value[..valueLength])}'.");
            }

            Add(lookup, field[..length], counter);
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw new FormatException("A snapshot must be a JSON array of strings.");
        }

        return ToList(buckets);
    }

    private static void Add(Dictionary<string, UsageCounters>.AlternateLookup<ReadOnlySpan<char>> lookup, ReadOnlySpan<char> field, long value)
    {
        var bar = field.Length - 2;
        if (bar <= 0 || field[bar] != '|')
        {
            throw new FormatException($"'{field}' is not a counter field \"<hour>:<model>|<f>\".");
        }

        ref var counters = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, field[..bar], out _);
        switch (field[bar + 1])
        {
            case 'i': counters.InputTokens += value; break;
            case 'o': counters.OutputTokens += value; break;
            case 'r': counters.Requests += value; break;
            case 'b': counters.BilledMicros += value; break;
            case 'n': counters.Records += value; break;
            default: throw new FormatException($"'{field}' names no counter (i, o, r, b, n).");
        }
    }

    private static List<(HourBucket Bucket, UsageCounters Counters)> ToList(Dictionary<string, UsageCounters> buckets)
    {
        var list = new List<(HourBucket, UsageCounters)>(buckets.Count);
        foreach (var (member, counters) in buckets)
        {
            list.Add((HourBucket.FromMember(member), counters));
        }

        return list;
    }
}
