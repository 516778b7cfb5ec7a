using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Metering.Cli.CommandLine;

/// <summary>
/// The <c>--help</c> action: System.CommandLine's generated help, then the command's epilogue (details, examples, and
/// for <c>metering --help</c> the exit codes and environment variables).
/// </summary>
internal sealed class HelpWithEpilogue : SynchronousCommandLineAction
{
    private readonly HelpAction _help;
    private readonly Func<Command, string?> _epilogue;

    public HelpWithEpilogue(HelpAction help, Func<Command, string?> epilogue)
    {
        _help = help;
        _epilogue = epilogue;
    }

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var code = _help.Invoke(parseResult);
        if (_epilogue(parseResult.CommandResult.Command) is { } text)
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(text.TrimEnd());
            output.WriteLine();
        }

        return code;
    }
}
