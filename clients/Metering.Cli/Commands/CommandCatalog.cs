namespace Metering.Cli.Commands;

/// <summary>Every command of <c>metering</c>, in the order help lists them, and the groups they sit in.</summary>
internal sealed class CommandCatalog
{
    public CommandCatalog(IEnumerable<CliCommand> commands)
    {
        Commands = commands.ToList();
    }

    /// <summary>The commands in the order help lists them.</summary>
    public IReadOnlyList<CliCommand> Commands { get; }

    /// <summary>What each command group is about, for help.</summary>
    public static IReadOnlyDictionary<string, string> GroupSummaries { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hosts"] = "hosting partners",
        ["keys"] = "API keys",
        ["agreements"] = "revenue-share agreements",
        ["statements"] = "monthly statements",
        ["corrections"] = "corrections of counted usage",
        ["disputes"] = "hosts' disputes of FINAL statements",
        ["audit"] = "the audit trail of changes",
    };

    /// <summary>A new instance of every command (System.CommandLine symbols belong to one command tree each).</summary>
    public static CommandCatalog Default() => new(
    [
        new HostsCreateCommand(),
        new HostsListCommand(),
        new KeysCreateCommand(),
        new KeysRevokeCommand(),
        new UsageCommand(),
        new AgreementsSetCommand(),
        new AgreementsListCommand(),
        new SettleCommand(),
        new StatementsListCommand(),
        new StatementsShowCommand(),
        new StatementsFinalizeCommand(),
        new StatementsExportCommand(),
        new StatementsAcknowledgeCommand(),
        new StatementsDisputeCommand(),
        new CorrectionsProposeCommand(),
        new CorrectionsApproveCommand(),
        new CorrectionsDeclineCommand(),
        new CorrectionsListCommand(),
        new DisputesListCommand(),
        new DisputesResolveCommand(),
        new AuditListCommand(),
        new DemoCommand(),
        new HealthCommand(),
    ]);

    /// <summary>The command of type <typeparamref name="T"/>.</summary>
    public T Get<T>()
        where T : CliCommand
        => Commands.OfType<T>().Single();
}
