using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements list [--host H] [--period P] [--status draft|final]</c>: every page of ListStatements.</summary>
internal sealed class StatementsListCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("statements list", "list statements (any key; HOST keys see their own host)")
    {
        Options =
        [
            new("--host", "host-id", "only these hosts (comma-separated or repeated)", Repeatable: true),
            new("--period", "YYYY-MM", "only this month"),
            new("--status", "draft|final", "only statements with this status"),
        ],
        Examples = ["metering statements list --period 2026-10", "metering statements list --host aws --status final"],
        Target = ServiceTarget.Settlement,
    };

    public static ListStatementsRequest Bind(ParsedCommand args)
    {
        var request = new ListStatementsRequest { PageSize = 1000 };
        request.HostIds.AddRange(args.Values("--host", splitCommas: true).Distinct(StringComparer.Ordinal));
        if (args.Value("--period") is { } period)
        {
            request.PeriodFrom = request.PeriodTo = Values.Month(args, "--period", period);
        }

        request.Status = args.Choice("--status", Choices.Statuses, StatementStatus.Unspecified);
        return request;
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var statements = await ListAllAsync(context, Bind(args), cancellationToken);
        if (statements.Count == 0)
        {
            context.Out.WriteLine("No statements match; compute some with 'metering settle --period YYYY-MM'.");
            return ExitCodes.Ok;
        }

        WriteTable(context.Out, statements);
        return ExitCodes.Ok;
    }

    public static async Task<List<Statement>> ListAllAsync(CliContext context, ListStatementsRequest request, CancellationToken cancellationToken)
    {
        var statements = new List<Statement>();
        do
        {
            var page = await context.Settlement.Settlement.ListStatementsAsync(request, cancellationToken);
            statements.AddRange(page.Statements);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return statements;
    }

    public static void WriteTable(TextWriter writer, IEnumerable<Statement> statements)
    {
        var table = new TextTable(
            ("Statement", Align.Left),
            ("Host", Align.Left),
            ("Period", Align.Left),
            ("Status", Align.Left),
            ("Gross revenue", Align.Right),
            ("Share", Align.Right),
            ("Owed", Align.Right),
            ("Notes", Align.Left),
            ("Computed", Align.Left));
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

            table.AddRow(
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

        table.WriteTo(writer, "  ");
    }
}
