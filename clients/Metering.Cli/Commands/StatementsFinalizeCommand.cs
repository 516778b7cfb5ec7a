using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements finalize &lt;id&gt;</c>: SettlementService.FinalizeStatement.</summary>
internal sealed class StatementsFinalizeCommand : CliCommand
{
    private readonly Argument<string> _statementId;
    private readonly Option<bool> _allowUnpriced;

    public StatementsFinalizeCommand()
        : base("statements finalize", "freeze a DRAFT statement as FINAL, as last computed (BILLING or ADMIN key)")
    {
        _statementId = Argument("statement-id", "the DRAFT statement");
        _allowUnpriced = Add(CliOptions.Flag("--allow-unpriced", "finalize even with UNPRICED lines (their usage then adds nothing, for good)"));
        Details = """
            A FINAL statement never changes; usage that arrives later for its month is carried as adjustment lines on the
            host's next statement. Only statements of months that have ended can be finalized.
            """;
        Examples = ["metering statements finalize st_0123"];
        Target = ServiceTarget.Settlement;
    }

    public FinalizeStatementRequest Bind(ParseResult parse)
        => new() { StatementId = parse.GetRequiredValue(_statementId), AllowUnpriced = parse.GetValue(_allowUnpriced) };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var statement = (await context.Settlement.Settlement.FinalizeStatementAsync(request, cancellationToken)).Statement;
        context.Out.WriteLine(
            $"Statement {statement.StatementId} ({statement.HostId}, {statement.Period}) is {Labels.Status(statement.Status)} since {Labels.Time(statement.FinalizedAt)}: " +
            $"{statement.Currency} {Numbers.Decimal(statement.AmountOwed)} owed.");
        return ExitCodes.Ok;
    }
}
