using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering settle --period P [--host H]</c>: SettlementService.RunSettlement.</summary>
internal sealed class SettleCommand : CliCommand
{
    private readonly Option<string> _period;
    private readonly Option<IReadOnlyList<string>> _hosts;
    private readonly ChoiceOption<ExportFormat> _format;

    public SettleCommand()
        : base("settle", "compute a month's statements as DRAFT; safe to repeat (BILLING or ADMIN key)")
    {
        _period = Add(CliOptions.Month("--period", "the month to settle (UTC)", required: true));
        _hosts = Add(CliOptions.Names("--host", "host-id", "only these hosts; default every host with an agreement or usage"));
        _format = Add(CliOptions.Format());
        Details = """
            DRAFT statements are recomputed from scratch on every run; FINAL ones never change (late usage for them becomes
            adjustment lines on the host's next statement). A month in progress gives month-to-date drafts. Settlement
            reads usage flushed to PostgreSQL, a few seconds behind what 'metering usage' shows.
            --format csv writes one summary row per statement written (as 'metering statements list --format csv') and
            the skipped hosts on stderr; --format json writes the whole RunSettlementResponse.
            """;
        Examples = ["metering settle --period 2026-10", "metering settle --period 2026-10 --host aws,azure"];
        Target = ServiceTarget.Settlement;
    }

    public RunSettlementRequest Bind(ParseResult parse)
    {
        var request = new RunSettlementRequest { Period = parse.GetRequiredValue(_period) };
        request.HostIds.AddRange(parse.GetValue(_hosts) ?? []);
        return request;
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var response = await context.Settlement.Settlement.RunSettlementAsync(request, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                context.Out.WriteLine(ProtoJson.FormatIndented(response));
                break;
            case ExportFormat.Csv:
                StatementsListCommand.WriteCsv(context.Out, response.Statements);
                foreach (var skip in response.Skipped)
                {
                    context.Error.WriteLine($"skipped {skip.HostId}: {Labels.SkipReason(skip.Reason)}");
                }

                break;
            default:
                WriteSummary(context.Output, request.Period, response);
                break;
        }

        return ExitCodes.Ok;
    }

    public static void WriteSummary(ConsoleView view, string period, RunSettlementResponse response)
    {
        view.WriteLine($"Settled {period}: {response.Statements.Count} DRAFT statement(s) written, {response.Skipped.Count} host(s) skipped.");
        if (response.Statements.Count > 0)
        {
            StatementsListCommand.WriteTable(view, response.Statements);
        }

        foreach (var skip in response.Skipped)
        {
            view.WriteLine($"  skipped {skip.HostId}: {Labels.SkipReason(skip.Reason)}");
        }

        if (response.Statements.Count > 0)
        {
            view.WriteLine("Read one with 'metering statements show <statement>'; freeze it with 'metering statements finalize <statement>'.");
        }
    }
}
