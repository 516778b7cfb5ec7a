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

    /// <summary>
    /// Writes the rows in <paramref name="format"/>; with <paramref name="signed"/> (corrections only, which may
    /// subtract) the table writes every count with its sign.
    /// </summary>
    public static void Write(ConsoleView view, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, ExportFormat format, bool signed = false)
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
                WriteTable(view, rows, groupBy, granularity, signed: signed);
                break;
        }
    }

    public static void WriteTable(ConsoleView view, IReadOnlyList<UsageRow> rows, IReadOnlyCollection<UsageGroupBy> groupBy, Granularity granularity, string indent = "", bool signed = false)
    {
        Func<long, string> count = signed ? Numbers.SignedCount : Numbers.Count;
        Func<long, string> micros = signed ? Numbers.SignedMicros : Numbers.Micros;
        if (rows.Count == 0)
        {
            view.WriteLine(indent + (signed ? "(no approved corrections in the range)" : "(no usage in the range)"));
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

            cells.Add(count(row.InputTokens));
            cells.Add(count(row.OutputTokens));
            cells.Add(count(row.Requests));
            cells.Add(micros(row.BilledMicros));
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
            total[labels] = count(input);
            total[labels + 1] = count(output);
            total[labels + 2] = count(requests);
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
