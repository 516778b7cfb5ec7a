using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements finalize &lt;id&gt;</c>: SettlementService.FinalizeStatement.</summary>
internal sealed class StatementsFinalizeCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("statements finalize", "freeze a DRAFT statement as FINAL, as last computed (BILLING or ADMIN key)")
    {
        Description = """
            A FINAL statement never changes; usage that arrives later for its month is carried as adjustment lines on the
            host's next statement. Only statements of months that have ended can be finalized.
            """,
        Arguments = [new("statement-id", "the DRAFT statement")],
        Options = [new("--allow-unpriced", null, "finalize even with UNPRICED lines (their usage then adds nothing, for good)")],
        Examples = ["metering statements finalize st_0123"],
        Target = ServiceTarget.Settlement,
    };

    public static FinalizeStatementRequest Bind(ParsedCommand args)
        => new() { StatementId = args.Arguments[0], AllowUnpriced = args.Flag("--allow-unpriced") };

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(args);
        var statement = (await context.Settlement.Settlement.FinalizeStatementAsync(request, cancellationToken)).Statement;
        context.Out.WriteLine(
            $"Statement {statement.StatementId} ({statement.HostId}, {statement.Period}) is {Labels.Status(statement.Status)} since {Labels.Time(statement.FinalizedAt)}: " +
            $"{statement.Currency} {Numbers.Decimal(statement.AmountOwed)} owed.");
        return ExitCodes.Ok;
    }
}
