using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements show &lt;id&gt; | --host H --period P</c>: GetStatement, rendered for a person.</summary>
internal sealed class StatementsShowCommand : CliCommand
{
    private readonly Argument<string> _statementId;
    private readonly Option<string> _host;
    private readonly Option<string> _period;
    private readonly ChoiceOption<ExportFormat> _format;

    public StatementsShowCommand()
        : base("statements show", "show one statement: lines per model, tiers, minimum, adjustments, total owed")
    {
        _statementId = Argument("statement-id", "the statement's id (or give --host and --period)", required: false);
        _host = Add(CliOptions.Text("--host", "host-id", "the host, with --period"));
        _period = Add(CliOptions.Month("--period", "the month, with --host"));
        _format = Add(CliOptions.Format());
        Details = """
            Usage: metering statements show <statement-id>
                   metering statements show --host <host-id> --period <YYYY-MM>
            --format csv and json write the statement as 'metering statements export' does.
            """;
        Examples = ["metering statements show --host aws --period 2026-10", "metering statements show st_0123"];
        Target = ServiceTarget.Settlement;
    }

    /// <summary>
    /// The statement named by a positional id or by <c>--host</c> and <c>--period</c>, exactly one of the two.
    /// </summary>
    public GetStatementRequest BindSelector(ParseResult parse)
    {
        var id = parse.GetValue(_statementId);
        var host = parse.GetValue(_host);
        var period = parse.GetValue(_period);
        if (id is not null)
        {
            return host is not null || period is not null
                ? throw Error($"give either <statement-id> or --host with --period, not both (got '{id}' and {(host is not null ? "--host" : "--period")})")
                : new GetStatementRequest { StatementId = id };
        }

        if (host is null || period is null)
        {
            throw Error(host is null && period is null
                ? "missing <statement-id> (or --host <host-id> --period <YYYY-MM>)"
                : $"{(host is null ? "--host" : "--period")} is required with {(host is null ? "--period" : "--host")}");
        }

        return new GetStatementRequest { HostPeriod = new HostPeriod { HostId = host, Period = period } };
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = BindSelector(parse);
        var format = _format.Get(parse);
        var response = await context.Settlement.Settlement.GetStatementAsync(request, cancellationToken);
        if (format == ExportFormat.Table)
        {
            StatementRenderer.Write(context.Output, response.Statement);
        }
        else
        {
            StatementExporter.Write(context.Output, [response.Statement], format);
        }

        return ExitCodes.Ok;
    }
}
