using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements list [--host H] [--period P] [--status draft|final]</c>: every page of ListStatements.</summary>
internal sealed class StatementsListCommand : CliCommand
{
    /// <summary>The CSV header of <see cref="WriteCsv"/>: one summary row per statement.</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "statement_id", "host_id", "period", "status", "currency", "gross_revenue", "share_amount", "minimum_applied",
        "period_amount_owed", "amount_owed", "adjustments", "has_unpriced_lines", "computed_at", "finalized_at",
    ];

    private readonly Option<IReadOnlyList<string>> _hosts;
    private readonly Option<string> _period;
    private readonly ChoiceOption<StatementStatus> _status;
    private readonly ChoiceOption<ExportFormat> _format;

    public StatementsListCommand()
        : base("statements list", "list statements (any key; HOST keys see their own host)")
    {
        _hosts = Add(CliOptions.Names("--host", "host-id", "only these hosts"));
        _period = Add(CliOptions.Month("--period", "only this month"));
        _status = Add(new ChoiceOption<StatementStatus>("--status", "only statements with this status", Choices.Statuses));
        _format = Add(CliOptions.Format());
        Examples =
        [
            "metering statements list --period 2026-10",
            "metering statements list --host aws --status final",
            "metering statements list --period 2026-10 --format csv > statements.csv",
        ];
        Target = ServiceTarget.Settlement;
    }

    public (ListStatementsRequest Request, ExportFormat Format) Bind(ParseResult parse)
    {
        var request = new ListStatementsRequest { PageSize = 1000, Status = _status.Get(parse, StatementStatus.Unspecified) };
        request.HostIds.AddRange(parse.GetValue(_hosts) ?? []);
        if (parse.GetValue(_period) is { } period)
        {
            request.PeriodFrom = request.PeriodTo = period;
        }

        return (request, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (request, format) = Bind(parse);
        var statements = await ListAllAsync(context, request, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(context.Out, "statements", statements);
                break;
            case ExportFormat.Csv:
                WriteCsv(context.Out, statements);
                break;
            default:
                if (statements.Count == 0)
                {
                    context.Out.WriteLine("No statements match; compute some with 'metering settle --period YYYY-MM'.");
                }
                else
                {
                    WriteTable(context.Output, statements);
                }

                break;
        }

        return ExitCodes.Ok;
    }

    /// <summary>Every page of a ListStatements query; <paramref name="report"/> hears of each page read.</summary>
    public static async Task<List<Statement>> ListAllAsync(CliContext context, ListStatementsRequest request, CancellationToken cancellationToken, Action<string>? report = null)
    {
        var statements = new List<Statement>();
        var pages = 0;
        do
        {
            var page = await context.Settlement.Settlement.ListStatementsAsync(request, cancellationToken);
            statements.AddRange(page.Statements);
            request.PageToken = page.NextPageToken;
            pages++;
            report?.Invoke($"Reading statements: {Numbers.Count(statements.Count)} in {Numbers.Count(pages)} page(s)...");
        }
        while (request.PageToken.Length > 0);

        return statements;
    }

    public static void WriteTable(ConsoleView view, IEnumerable<Statement> statements)
    {
        var table = Tables.Create(
            ("Statement", Justify.Left),
            ("Host", Justify.Left),
            ("Period", Justify.Left),
            ("Status", Justify.Left),
            ("Gross revenue", Justify.Right),
            ("Share", Justify.Right),
            ("Owed", Justify.Right),
            ("Notes", Justify.Left),
            ("Computed", Justify.Left));
        foreach (var s in statements)
        {
            var notes = new List<string>();
            if (s.MinimumApplied)
            {
                notes.Add("minimum");
            }

            if (s.Adjustments.Count > 0)
            {
                notes.Add("adjusted");
            }

            if (s.HasUnpricedLines)
            {
                notes.Add("UNPRICED lines");
            }

            table.AddTextRow(
                s.StatementId,
                s.HostId,
                s.Period,
                Labels.Status(s.Status),
                Numbers.Decimal(s.GrossRevenue),
                Numbers.Decimal(s.ShareAmount),
                $"{s.Currency} {Numbers.Decimal(s.AmountOwed)}",
                string.Join(", ", notes),
                Labels.Time(s.ComputedAt));
        }

        view.Write(table, "  ");
    }

    /// <summary>One row per statement with its totals (the lines are in 'metering statements export --format csv').</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<Statement> statements)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var s in statements)
        {
            Csv.WriteRow(writer, [
                s.StatementId,
                s.HostId,
                s.Period,
                Labels.Status(s.Status),
                s.Currency,
                s.GrossRevenue,
                s.ShareAmount,
                s.MinimumApplied ? "true" : "false",
                s.PeriodAmountOwed,
                s.AmountOwed,
                s.Adjustments.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                s.HasUnpricedLines ? "true" : "false",
                Labels.IsoTime(s.ComputedAt),
                Labels.IsoTime(s.FinalizedAt),
            ]);
        }
    }
}
