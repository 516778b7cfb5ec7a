using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering settle --period P [--host H]</c>: SettlementService.RunSettlement.</summary>
internal sealed class SettleCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("settle", "compute a month's statements as DRAFT; safe to repeat (BILLING or ADMIN key)")
    {
        Description = """
            DRAFT statements are recomputed from scratch on every run; FINAL ones never change (late usage for them becomes
            adjustment lines on the host's next statement). A month in progress gives month-to-date drafts. Settlement
            reads usage flushed to PostgreSQL, a few seconds behind what 'metering usage' shows.
            """,
        Options =
        [
            new("--period", "YYYY-MM", "the month to settle (UTC)", Required: true),
            new("--host", "host-id", "only these hosts (comma-separated or repeated); default every host with an agreement or usage", Repeatable: true),
        ],
        Examples = ["metering settle --period 2026-10", "metering settle --period 2026-10 --host aws,azure"],
        Target = ServiceTarget.Settlement,
    };

    public static RunSettlementRequest Bind(ParsedCommand args)
    {
        var request = new RunSettlementRequest { Period = Values.Month(args, "--period", args.Required("--period")) };
        request.HostIds.AddRange(args.Values("--host", splitCommas: true).Distinct(StringComparer.Ordinal));
        return request;
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(args);
        var response = await context.Settlement.Settlement.RunSettlementAsync(request, cancellationToken);
        WriteSummary(context.Out, request.Period, response);
        return ExitCodes.Ok;
    }

    public static void WriteSummary(TextWriter writer, string period, RunSettlementResponse response)
    {
        writer.WriteLine($"Settled {period}: {response.Statements.Count} DRAFT statement(s) written, {response.Skipped.Count} host(s) skipped.");
        if (response.Statements.Count > 0)
        {
            StatementsListCommand.WriteTable(writer, response.Statements);
        }

        foreach (var skip in response.Skipped)
        {
            writer.WriteLine($"  skipped {skip.HostId}: {Labels.SkipReason(skip.Reason)}");
        }

        if (response.Statements.Count > 0)
        {
            writer.WriteLine("Read one with 'metering statements show <statement>'; freeze it with 'metering statements finalize <statement>'.");
        }
    }
}
