using Spectre.Console;
using System.Globalization;
using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>
/// Usage rows as a table (only the grouped columns, a totals row; see <see cref="ConsoleView"/>), CSV (every column, ISO 8601 bucket starts, raw
/// counts) or JSON (<c>{"rows": [...]}</c> in the proto3 JSON mapping).
/// </summary>
internal static class UsageWriter
{
    public static readonly IReadOnlyList<string> CsvHeader =
        ["bucket_start", "host_id", "model", "input_tokens", "output_tokens", "requests", "billed_micros"];

    public static void Write(ConsoleView view, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(view.Writer, "rows", rows);
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(view.Writer, CsvHeader);
                foreach (var row in rows)
                {
                    Csv.WriteRow(view.Writer, [
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
                WriteTable(view, rows, groupBy, granularity);
                break;
        }
    }

    public static void WriteTable(ConsoleView view, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, string indent = "")
    {
        if (rows.Count == 0)
        {
            view.WriteLine(indent + "(no usage in the range)");
            return;
        }

        var byTime = granularity is Granularity.Hour or Granularity.Day or Granularity.Month;
        var byHost = groupBy.Contains(UsageGroupBy.Host);
        var byModel = groupBy.Contains(UsageGroupBy.Model);
        var columns = new List<(string, Justify)>();
        if (byTime)
        {
            columns.Add((granularity switch { Granularity.Hour => "Hour (UTC)", Granularity.Day => "Day (UTC)", _ => "Month" }, Justify.Left));
        }

        if (byHost)
        {
            columns.Add(("Host", Justify.Left));
        }

        if (byModel)
        {
            columns.Add(("Model", Justify.Left));
        }

        var labels = columns.Count;
        columns.Add(("Input tokens", Justify.Right));
        columns.Add(("Output tokens", Justify.Right));
        columns.Add(("Requests", Justify.Right));
        columns.Add(("Billed", Justify.Right));

        var table = Tables.Create([.. columns]);
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
            table.AddTextRow([.. cells]);
            input += row.InputTokens;
            output += row.OutputTokens;
            requests += row.Requests;
        }

        if (rows.Count > 1 && labels > 0)
        {
            var total = new string[columns.Count];
            Array.Fill(total, string.Empty);
            total[0] = "Total";
            total[labels] = Numbers.Count(input);
            total[labels + 1] = Numbers.Count(output);
            total[labels + 2] = Numbers.Count(requests);
            table.SetTotals(total);
        }

        view.Write(table, indent);
        if (!byHost && rows.Any(r => r.BilledMicros != 0))
        {
            view.WriteLine(indent + "Billed sums hosts that may bill in different currencies; group by host (--by host) to read money.");
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
