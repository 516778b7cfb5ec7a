using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements export &lt;id&gt; | --period P --format csv|json</c>.</summary>
internal sealed class StatementsExportCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("statements export", "write statements as CSV or JSON for accounting")
    {
        UsageLines =
        [
            "statements export <statement-id> --format csv|json",
            "statements export --period <YYYY-MM> [--host <host-id>]... [--status draft|final] --format csv|json",
        ],
        Description = """
            CSV: a header, then per statement one row per line (row_kind USAGE or ADJUSTMENT) and a SUMMARY row with its
            totals (gross_revenue, share_amount, minimum, period_amount_owed, amount_owed); every row names its statement.
            Counts are plain integers, amounts the exact decimal strings of the statement.
            JSON: {"statements": [...]} in the proto3 JSON mapping of metering.v1.Statement (int64 values as strings).
            """,
        Arguments = [new("statement-id", "one statement (or give --period)", Required: false)],
        Options =
        [
            new("--period", "YYYY-MM", "every statement of this month"),
            new("--host", "host-id", "with --period: only these hosts (comma-separated or repeated)", Repeatable: true),
            new("--status", "draft|final", "with --period: only statements with this status"),
            new("--format", "csv|json", "output format", Required: true),
        ],
        Examples =
        [
            "metering statements export --period 2026-10 --status final --format csv > 2026-10.csv",
            "metering statements export st_0123 --format json",
        ],
        Target = ServiceTarget.Settlement,
    };

    public static (GetStatementRequest? One, ListStatementsRequest? Many, ExportFormat Format) Bind(ParsedCommand args)
    {
        var format = args.ParseChoice("--format", args.Required("--format"), Choices.CsvJson);
        var id = args.Argument(0);
        var period = args.Value("--period");
        if (id is not null)
        {
            var conflict = new[] { "--period", "--host", "--status" }.FirstOrDefault(args.Has);
            return conflict is not null
                ? throw args.Error($"give either <statement-id> or --period, not both ({conflict} was given with '{id}')")
                : (new GetStatementRequest { StatementId = id }, null, format);
        }

        if (period is null)
        {
            throw args.Error(args.Has("--host") || args.Has("--status")
                ? "--period is required with --host or --status (or give a <statement-id>)"
                : "missing <statement-id> (or --period <YYYY-MM>)");
        }

        var list = new ListStatementsRequest
        {
            PeriodFrom = Values.Month(args, "--period", period),
            Status = args.Choice("--status", Choices.Statuses, StatementStatus.Unspecified),
            PageSize = 1000,
        };
        list.PeriodTo = list.PeriodFrom;
        list.HostIds.AddRange(args.Values("--host", splitCommas: true).Distinct(StringComparer.Ordinal));
        return (null, list, format);
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var (one, many, format) = Bind(args);
        var statements = one is not null
            ? [(await context.Settlement.Settlement.GetStatementAsync(one, cancellationToken)).Statement]
            : await StatementsListCommand.ListAllAsync(context, many!, cancellationToken);
        StatementExporter.Write(context.Out, statements, format);
        if (statements.Count == 0)
        {
            context.Error.WriteLine("No statements match (the export has a header only).");
        }

        return ExitCodes.Ok;
    }
}
