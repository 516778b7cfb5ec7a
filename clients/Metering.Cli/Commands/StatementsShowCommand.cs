using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements show &lt;id&gt; | --host H --period P</c>: GetStatement, rendered for a person.</summary>
internal sealed class StatementsShowCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("statements show", "show one statement: lines per model, tiers, minimum, adjustments, total owed")
    {
        UsageLines = ["statements show <statement-id>", "statements show --host <host-id> --period <YYYY-MM>"],
        Arguments = [new("statement-id", "the statement's id (or give --host and --period)", Required: false)],
        Options =
        [
            new("--host", "host-id", "the host, with --period"),
            new("--period", "YYYY-MM", "the month, with --host"),
        ],
        Examples = ["metering statements show --host aws --period 2026-10", "metering statements show st_0123"],
        Target = ServiceTarget.Settlement,
    };

    /// <summary>
    /// The statement named by a positional id or by <c>--host</c> and <c>--period</c>, exactly one of the two.
    /// </summary>
    public static GetStatementRequest BindSelector(ParsedCommand args)
    {
        var id = args.Argument(0);
        var host = args.Value("--host");
        var period = args.Value("--period");
        if (id is not null)
        {
            return host is not null || period is not null
                ? throw args.Error($"give either <statement-id> or --host with --period, not both (got '{id}' and {(host is not null ? "--host" : "--period")})")
                : new GetStatementRequest { StatementId = id };
        }

        if (host is null || period is null)
        {
            throw args.Error(host is null && period is null
                ? "missing <statement-id> (or --host <host-id> --period <YYYY-MM>)"
                : $"{(host is null ? "--host" : "--period")} is required with {(host is null ? "--period" : "--host")}");
        }

        return new GetStatementRequest { HostPeriod = new HostPeriod { HostId = host, Period = Values.Month(args, "--period", period) } };
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var request = BindSelector(args);
        var response = await context.Settlement.Settlement.GetStatementAsync(request, cancellationToken);
        StatementRenderer.Write(context.Out, response.Statement);
        return ExitCodes.Ok;
    }
}
