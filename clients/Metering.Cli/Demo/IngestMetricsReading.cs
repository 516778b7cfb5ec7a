using System.Globalization;

namespace Metering.Cli.Demo;

/// <summary>
/// What the metering service's <c>/metrics</c> says about some hosts: their records by result
/// (<c>metering_ingest_records_total</c>) and the flush lag (<c>metering_flush_lag_seconds</c>), read from the
/// Prometheus text format.
/// </summary>
internal sealed record IngestMetricsReading(long Accepted, long Duplicate, long Rejected, double FlushLagSeconds)
{
    private const string Records = "metering_ingest_records_total";
    private const string FlushLag = "metering_flush_lag_seconds";

    public static async Task<IngestMetricsReading> ReadAsync(HttpClient http, Uri metrics, IReadOnlySet<string> hostIds, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(metrics, cancellationToken);
        return Parse(text, hostIds);
    }

    /// <summary>Sums the records of <paramref name="hostIds"/> by <c>metering_result</c>; fails when the text has no flush lag (not a metering service's scrape).</summary>
    public static IngestMetricsReading Parse(string text, IReadOnlySet<string> hostIds)
    {
        long accepted = 0, duplicate = 0, rejected = 0;
        double? lag = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(FlushLag, StringComparison.Ordinal) && line.Length > FlushLag.Length && line[FlushLag.Length] is '{' or ' ')
            {
                lag = Value(line);
            }
            else if (line.StartsWith(Records + "{", StringComparison.Ordinal) && Label(line, "metering_host") is { } host && hostIds.Contains(host))
            {
                var records = (long)Value(line);
                switch (Label(line, "metering_result"))
                {
                    case "accepted": accepted += records; break;
                    case "duplicate": duplicate += records; break;
                    case "rejected": rejected += records; break;
                }
            }
        }

        return lag is { } seconds
            ? new IngestMetricsReading(accepted, duplicate, rejected, seconds)
            : throw new InvalidOperationException($"the scrape has no {FlushLag}: is this the metering service's /metrics?");
    }

    public static IngestMetricsReading operator -(IngestMetricsReading after, IngestMetricsReading before)
        => new(after.Accepted - before.Accepted, after.Duplicate - before.Duplicate, after.Rejected - before.Rejected, after.FlushLagSeconds);

    /// <summary>The value of a sample line: the number after the closing brace (or the name), before any timestamp.</summary>
    private static double Value(string line)
    {
        var start = line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : line.IndexOf(' ', StringComparison.Ordinal);
        var value = line[start..].Trim().Split(' ')[0];
        return double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The value of label <paramref name="name"/> (ids and results hold no quotes or escapes), or null.</summary>
    private static string? Label(string line, string name)
    {
        var key = name + "=\"";
        var at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0 || (line[at - 1] != '{' && line[at - 1] != ','))
        {
            return null;
        }

        var start = at + key.Length;
        var end = line.IndexOf('"', start);
        return end < 0 ? null : line[start..end];
    }
}
