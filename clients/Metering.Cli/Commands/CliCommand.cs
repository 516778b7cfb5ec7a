using System.CommandLine;
using Metering.Cli.CommandLine;

namespace Metering.Cli.Commands;

/// <summary>
/// One <c>metering</c> command: its System.CommandLine <see cref="Command"/> (options, arguments, help), the text
/// shown after the generated help, and what it does with a parsed command line.
/// </summary>
internal abstract class CliCommand
{
    protected CliCommand(string path, string summary)
    {
        Path = path;
        Command = new Command(path.Split(' ')[^1], summary);
    }

    /// <summary>The words that name the command after <c>metering</c>: <c>hosts create</c>, <c>usage</c>.</summary>
    public string Path { get; }

    /// <summary>The command as System.CommandLine parses it; its action is set by <see cref="CliApplication"/>.</summary>
    public Command Command { get; }

    /// <summary>Which services the command calls (which addresses an UNAVAILABLE hint names).</summary>
    public ServiceTarget Target { get; protected init; } = ServiceTarget.Metering;

    /// <summary>Paragraphs of help shown after the options: rules the option list cannot say, alternative forms.</summary>
    protected string? Details { get; init; }

    /// <summary>Example command lines, shown at the end of the help.</summary>
    protected IReadOnlyList<string> Examples { get; init; } = [];

    /// <summary>What <c>--help</c> prints after the generated help.</summary>
    public string Epilogue
    {
        get
        {
            var text = new System.Text.StringBuilder();
            if (Details is { } details)
            {
                text.AppendLine("Details:");
                foreach (var line in details.TrimEnd().Split('\n'))
                {
                    text.AppendLine(("  " + line.TrimEnd('\r')).TrimEnd());
                }

                text.AppendLine();
            }

            if (Examples.Count > 0)
            {
                text.AppendLine("Examples:");
                foreach (var example in Examples)
                {
                    text.AppendLine("  " + example);
                }
            }

            return text.ToString();
        }
    }

    /// <summary>Runs the command; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public abstract Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken);

    /// <summary>A usage error about this command (options that do not go together).</summary>
    protected CliUsageException Error(string message) => new(message, Path);

    protected T Add<T>(T option)
        where T : Option
    {
        Command.Options.Add(option);
        return option;
    }

    /// <summary>A positional argument; optional ones may be left out (options then replace them).</summary>
    protected Argument<string> Argument(string name, string description, bool required = true)
    {
        var argument = new Argument<string>(name) { Description = description, Arity = required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne };
        Command.Arguments.Add(argument);
        return argument;
    }
}
