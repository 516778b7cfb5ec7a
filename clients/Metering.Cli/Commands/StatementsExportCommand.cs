using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements export &lt;id&gt; | --period P --format csv|json</c>.</summary>
internal sealed class StatementsExportCommand : CliCommand
{
    private readonly Argument<string> _statementId;
    private readonly Option<string> _period;
    private readonly Option<IReadOnlyList<string>> _hosts;
    private readonly ChoiceOption<StatementStatus> _status;
    private readonly ChoiceOption<ExportFormat> _format;

    public StatementsExportCommand()
        : base("statements export", "write statements as CSV or JSON for accounting")
    {
        _statementId = Argument("statement-id", "one statement (or give --period)", required: false);
        _period = Add(CliOptions.Month("--period", "every statement of this month"));
        _hosts = Add(CliOptions.Names("--host", "host-id", "with --period: only these hosts"));
        _status = Add(new ChoiceOption<StatementStatus>("--status", "with --period: only statements with this status", Choices.Statuses));
        _format = Add(new ChoiceOption<ExportFormat>("--format", "output format", Choices.CsvJson, required: true));
        Details = """
            Usage: metering statements export <statement-id> --format csv|json
                   metering statements export --period <YYYY-MM> [--host <host-id>]... [--status draft|final] --format csv|json
            CSV: a header, then per statement one row per line (row_kind USAGE or ADJUSTMENT) and a SUMMARY row with its
            totals (gross_revenue, share_amount, minimum, period_amount_owed, amount_owed); every row names its statement.
            Counts are plain integers, amounts the exact decimal strings of the statement.
            JSON: {"statements": [...]} in the proto3 JSON mapping of metering.v1.Statement (int64 values as strings).
            In a terminal, stderr shows how many statements have been read while the pages come in.
            """;
        Examples =
        [
            "metering statements export --period 2026-10 --status final --format csv > 2026-10.csv",
            "metering statements export st_0123 --format json",
        ];
        Target = ServiceTarget.Settlement;
    }

    public (GetStatementRequest? One, ListStatementsRequest? Many, ExportFormat Format) Bind(ParseResult parse)
    {
        var format = _format.Get(parse);
        var id = parse.GetValue(_statementId);
        var period = parse.GetValue(_period);
        var hostsGiven = parse.GetResult(_hosts) is { Implicit: false };
        if (id is not null)
        {
            var conflict = period is not null ? "--period" : hostsGiven ? "--host" : _status.IsGiven(parse) ? "--status" : null;
            return conflict is not null
                ? throw Error($"give either <statement-id> or --period, not both ({conflict} was given with '{id}')")
                : (new GetStatementRequest { StatementId = id }, null, format);
        }

        if (period is null)
        {
            throw Error(hostsGiven || _status.IsGiven(parse)
                ? "--period is required with --host or --status (or give a <statement-id>)"
                : "missing <statement-id> (or --period <YYYY-MM>)");
        }

        var list = new ListStatementsRequest
        {
            PeriodFrom = period,
            PeriodTo = period,
            Status = _status.Get(parse, StatementStatus.Unspecified),
            PageSize = 1000,
        };
        list.HostIds.AddRange(parse.GetValue(_hosts) ?? []);
        return (null, list, format);
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (one, many, format) = Bind(parse);
        var statements = one is not null
            ? [(await context.Settlement.Settlement.GetStatementAsync(one, cancellationToken)).Statement]
            : await context.ErrorView.WithStatusAsync(
                "Reading statements...",
                report => StatementsListCommand.ListAllAsync(context, many!, cancellationToken, report));
        StatementExporter.Write(context.Output, statements, format);
        if (statements.Count == 0)
        {
            context.Error.WriteLine("No statements match (the export has a header only).");
        }

        return ExitCodes.Ok;
    }
}
