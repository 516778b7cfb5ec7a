namespace Metering.Cli.Commands;

/// <summary>Every command of <c>metering</c>, found by its path (<c>hosts create</c>).</summary>
internal sealed class CommandCatalog
{
    private readonly Dictionary<string, ICliCommand> _byPath;

    public CommandCatalog(IEnumerable<ICliCommand> commands)
    {
        Commands = commands.ToList();
        _byPath = Commands.ToDictionary(c => c.Spec.Path, StringComparer.Ordinal);
    }

    /// <summary>The commands in the order help lists them.</summary>
    public IReadOnlyList<ICliCommand> Commands { get; }

    /// <summary>What each command group is about, for help.</summary>
    public static IReadOnlyDictionary<string, string> GroupSummaries { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["hosts"] = "hosting partners",
        ["keys"] = "API keys",
        ["agreements"] = "revenue-share agreements",
        ["statements"] = "monthly statements",
    };

    /// <summary>Every command, with the clients the commands use created on demand.</summary>
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
        new DemoCommand(),
        new HealthCommand(),
    ]);

    public ICliCommand? Find(string path) => _byPath.GetValueOrDefault(path);

    /// <summary>True when <paramref name="path"/> names a group of commands (<c>hosts</c>).</summary>
    public bool IsGroup(string path) => Commands.Any(c => c.Spec.Path.StartsWith(path + " ", StringComparison.Ordinal));

    /// <summary>The last words of the commands in a group: <c>create, list</c>.</summary>
    public IReadOnlyList<string> SubcommandsOf(string group)
        => Commands
            .Where(c => c.Spec.Path.StartsWith(group + " ", StringComparison.Ordinal))
            .Select(c => c.Spec.Path[(group.Length + 1)..])
            .ToList();
}
