using System.Globalization;
using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>
/// Usage rows as a table (only the grouped columns, a totals row), CSV (every column, ISO 8601 bucket starts, raw
/// counts) or JSON (<c>{"rows": [...]}</c> in the proto3 JSON mapping).
/// </summary>
internal static class UsageWriter
{
    public static readonly IReadOnlyList<string> CsvHeader =
        ["bucket_start", "host_id", "model", "input_tokens", "output_tokens", "requests", "billed_micros"];

    public static void Write(TextWriter writer, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(writer, "rows", rows);
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(writer, CsvHeader);
                foreach (var row in rows)
                {
                    Csv.WriteRow(writer, [
                        Labels.IsoTime(row.BucketStart),
                        row.HostId,
                        row.Model,
                        Invariant(row.InputTokens),
                        Invariant(row.OutputTokens),
                        Invariant(row.Requests),
                        Invariant(row.BilledMicros),
                    ]);
                }

                break;
            default:
                WriteTable(writer, rows, groupBy, granularity);
                break;
        }
    }

    public static void WriteTable(TextWriter writer, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, string indent = "")
    {
        if (rows.Count == 0)
        {
            writer.WriteLine(indent + "(no usage in the range)");
            return;
        }

        var byTime = granularity is Granularity.Hour or Granularity.Day or Granularity.Month;
        var byHost = groupBy.Contains(UsageGroupBy.Host);
        var byModel = groupBy.Contains(UsageGroupBy.Model);
        var columns = new List<(string, Align)>();
        if (byTime)
        {
            columns.Add((granularity switch { Granularity.Hour => "Hour (UTC)", Granularity.Day => "Day (UTC)", _ => "Month" }, Align.Left));
        }

        if (byHost)
        {
            columns.Add(("Host", Align.Left));
        }

        if (byModel)
        {
            columns.Add(("Model", Align.Left));
        }

        var labels = columns.Count;
        columns.Add(("Input tokens", Align.Right));
        columns.Add(("Output tokens", Align.Right));
        columns.Add(("Requests", Align.Right));
        columns.Add(("Billed", Align.Right));

        var table = new TextTable([.. columns]);
        long input = 0, output = 0, requests = 0;
        foreach (var row in rows)
        {
            var cells = new List<string>();
            if (byTime)
            {
                cells.Add(Bucket(row, granularity));
            }

            if (byHost)
            {
                cells.Add(row.HostId);
            }

            if (byModel)
            {
                cells.Add(row.Model);
            }

            cells.Add(Numbers.Count(row.InputTokens));
            cells.Add(Numbers.Count(row.OutputTokens));
            cells.Add(Numbers.Count(row.Requests));
            cells.Add(Numbers.Micros(row.BilledMicros));
            table.AddRow([.. cells]);
            input += row.InputTokens;
            output += row.OutputTokens;
            requests += row.Requests;
        }

        if (rows.Count > 1 && labels > 0)
        {
            table.AddRule();
            var total = new string[columns.Count];
            Array.Fill(total, string.Empty);
            total[0] = "Total";
            total[labels] = Numbers.Count(input);
            total[labels + 1] = Numbers.Count(output);
            total[labels + 2] = Numbers.Count(requests);
            table.AddRow(total);
        }

        table.WriteTo(writer, indent);
        if (!byHost && rows.Any(r => r.BilledMicros != 0))
        {
            writer.WriteLine(indent + "Billed sums hosts that may bill in different currencies; group by host (--by host) to read money.");
        }
    }

    private static string Bucket(UsageRow row, Granularity granularity)
    {
        if (row.BucketStart is null)
        {
            return string.Empty;
        }

        var start = row.BucketStart.ToDateTime();
        return granularity switch
        {
            Granularity.Hour => start.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
            Granularity.Day => start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        };
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
