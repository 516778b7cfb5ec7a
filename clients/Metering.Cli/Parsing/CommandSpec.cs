namespace Metering.Cli.Parsing;

/// <summary>What a command accepts and how its help reads.</summary>
internal sealed class CommandSpec
{
    public CommandSpec(string path, string summary)
    {
        Path = path;
        Summary = summary;
    }

    /// <summary>The words that name the command after <c>metering</c>: <c>hosts create</c>, <c>usage</c>.</summary>
    public string Path { get; }

    /// <summary>One line, shown in the command list and at the top of the command's help.</summary>
    public string Summary { get; }

    /// <summary>Further paragraphs of help, shown after the summary.</summary>
    public string? Description { get; init; }

    /// <summary>Positional arguments, in order.</summary>
    public IReadOnlyList<ArgumentSpec> Arguments { get; init; } = [];

    /// <summary>The command's own options (the global ones are added by the parser).</summary>
    public IReadOnlyList<OptionSpec> Options { get; init; } = [];

    /// <summary>A usage line to show instead of the generated one (for commands with alternative forms).</summary>
    public IReadOnlyList<string>? UsageLines { get; init; }

    /// <summary>Example command lines, shown at the end of the help.</summary>
    public IReadOnlyList<string> Examples { get; init; } = [];

    /// <summary>Which services the command calls.</summary>
    public ServiceTarget Target { get; init; } = ServiceTarget.Metering;

    /// <summary>The option named <paramref name="name"/>, or null.</summary>
    public OptionSpec? FindOption(string name)
    {
        foreach (var option in Options)
        {
            if (option.Name == name)
            {
                return option;
            }
        }

        return null;
    }
}
