using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;

namespace Metering.Tests.Interop;

/// <summary>Usage the interop tests send: records in the previous UTC hour, and the query that covers that hour.</summary>
internal static class InteropUsage
{
    /// <summary>The start of the previous UTC hour: inside the accepted event-time window, and already complete.</summary>
    public static DateTime Hour { get; } = PreviousHour();

    public static UsageRecord Record(string model, long input = 0, long output = 0, long requests = 0, long? billedMicros = null, bool withEventTime = true)
    {
        var record = new UsageRecord { Model = model, InputTokens = input, OutputTokens = output, Requests = requests };
        if (billedMicros is { } billed)
        {
            record.BilledMicros = billed;
        }

        if (withEventTime)
        {
            record.EventTime = Timestamp.FromDateTime(Hour.AddMinutes(10));
        }

        return record;
    }

    public static StreamUsageRequest Batch(string producer, ulong sequence, params UsageRecord[] records)
        => new() { ProducerId = producer, Sequence = sequence, Records = { records } };

    /// <summary>Totals of <see cref="Hour"/> (the caller's own host) grouped by model.</summary>
    public static GetUsageRequest ByModel() => new()
    {
        StartTime = Timestamp.FromDateTime(Hour),
        EndTime = Timestamp.FromDateTime(Hour.AddHours(1)),
        GroupBy = { UsageGroupBy.Model },
        Granularity = Granularity.Total,
    };

    /// <summary>The rows of a by-model answer as (model, input, output, requests, billed) ordered by model.</summary>
    public static IReadOnlyList<(string Model, long Input, long Output, long Requests, long Billed)> Totals(GetUsageResponse response)
        => response.Rows.OrderBy(r => r.Model, StringComparer.Ordinal).Select(r => (r.Model, r.InputTokens, r.OutputTokens, r.Requests, r.BilledMicros)).ToList();

    private static DateTime PreviousHour()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(-1);
    }
}
