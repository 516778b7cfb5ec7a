using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Grpc.Core;
using Metering.Cli.CommandLine;
using Metering.Cli.Commands;
using Metering.Cli.Rendering;

namespace Metering.Cli;

/// <summary>
/// The whole <c>metering</c> command: the System.CommandLine tree of every command (generated help, completions with the
/// <c>[suggest]</c> directive), the global options resolved against the environment, and failures turned into
/// messages and exit codes (usage errors 2, server errors 1 with the status code, message and field violations). Runs
/// in-process for tests: output, environment, clock and whether stdout and stderr are terminals are injected.
/// </summary>
internal sealed class CliApplication
{
    private const string Summary = "metering - administer hosts and keys, query usage, settle revenue share.";

    private readonly ConsoleView _out;
    private readonly ConsoleView _error;
    private readonly TimeProvider _time;
    private readonly GlobalOptionSet _globals;
    private readonly Dictionary<Command, string> _epilogues = [];

    public CliApplication(TextWriter output, TextWriter error, Func<string, string?> environment, TimeProvider time, bool outputIsTerminal = false, bool errorIsTerminal = false)
    {
        _out = new ConsoleView(output, outputIsTerminal);
        _error = new ConsoleView(error, errorIsTerminal);
        _time = time;
        _globals = new GlobalOptionSet(environment);
        Catalog = CommandCatalog.Default();
        Root = BuildRoot();
    }

    public CommandCatalog Catalog { get; }

    public RootCommand Root { get; }

    /// <summary>What the exit codes mean, as <c>metering --help</c> and docs/operations.md list them.</summary>
    public static string ExitCodeHelp { get; } = $"""
        Exit codes:
          {ExitCodes.Ok,-4} done
          {ExitCodes.Failed,-4} the server refused the call (its status code, message and field violations are on stderr),
               a service could not be reached, or a check failed (health: not SERVING)
          {ExitCodes.Usage,-4} bad command line: unknown command or option, missing or malformed value, no API key
               (stderr names the option or argument)
          {ExitCodes.Mismatch,-4} demo: the exactly-once check failed (acknowledged and counted usage differ)
          {ExitCodes.Interrupted,-4} interrupted (Ctrl-C)
        """;

    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args);

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var parse = Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            return UsageError(PathOf(parse.CommandResult), parse.Errors.Select(e => e.Message));
        }

        return await parse.InvokeAsync(Invocation(_out.Writer), cancellationToken);
    }

    private RootCommand BuildRoot()
    {
        var root = new RootCommand(Summary) { HelpName = "metering" };
        foreach (var option in _globals.All)
        {
            root.Options.Add(option);
        }

        var help = root.Options.OfType<HelpOption>().Single();
        var generated = (HelpAction)help.Action!;
        if (!_out.IsTerminal)
        {
            generated.MaxWidth = int.MaxValue; // no wrapping for files and pipes (in a terminal: its width)
        }

        help.Action = new HelpWithEpilogue(generated, command => _epilogues.GetValueOrDefault(command));
        _epilogues[root] = RootEpilogue();

        // No command: the help, on stderr, as a usage error.
        root.SetAction(_ =>
        {
            WriteHelp([], _error.Writer);
            return ExitCodes.Usage;
        });

        foreach (var command in Catalog.Commands)
        {
            Command parent = root;
            foreach (var word in command.Path.Split(' ')[..^1])
            {
                parent = parent.Subcommands.FirstOrDefault(c => c.Name == word) ?? AddGroup(parent, word);
            }

            parent.Subcommands.Add(command.Command);
            command.Command.SetAction((parse, cancellationToken) => RunCommandAsync(command, parse, cancellationToken));
            _epilogues[command.Command] = command.Epilogue;
        }

        return root;
    }

    private Command AddGroup(Command parent, string word)
    {
        var group = new Command(word, CommandCatalog.GroupSummaries.GetValueOrDefault(word, word));
        group.SetAction(parse => UsageError(word, [$"a subcommand is needed: {string.Join(", ", group.Subcommands.Select(c => c.Name))}"]));
        parent.Subcommands.Add(group);
        return group;
    }

    private async Task<int> RunCommandAsync(CliCommand command, ParseResult parse, CancellationToken cancellationToken)
    {
        var globals = _globals.Resolve(parse);
        using var context = new CliContext(_out, _error, globals, _time, command.Path);
        try
        {
            return await command.RunAsync(parse, context, cancellationToken);
        }
        catch (CliUsageException e)
        {
            return UsageError(e.CommandPath ?? command.Path, [e.Message]);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            RpcErrorWriter.Write(_error.Writer, e, globals, command.Target);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
        {
            _error.WriteLine("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or InvalidOperationException)
        {
            _error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    /// <summary>Writes the generated help of the command named by <paramref name="path"/> to <paramref name="writer"/>.</summary>
    private int WriteHelp(IReadOnlyList<string> path, TextWriter writer)
        => Root.Parse([.. path, "--help"]).Invoke(Invocation(writer));

    private int UsageError(string path, IEnumerable<string> messages)
    {
        var prefix = path.Length == 0 ? "metering" : "metering " + path;
        foreach (var message in messages)
        {
            _error.WriteLine($"{prefix}: {message}");
        }

        _error.WriteLine($"Run '{prefix} --help' for usage.");
        return ExitCodes.Usage;
    }

    private InvocationConfiguration Invocation(TextWriter output) => new()
    {
        Output = output,
        Error = _error.Writer,
        // Exceptions are handled (and turned into exit codes) by RunCommandAsync; Ctrl-C by Program.cs.
        EnableDefaultExceptionHandler = false,
        ProcessTerminationTimeout = null,
    };

    /// <summary>The command words of a parse result: <c>hosts create</c>, or empty for the root.</summary>
    private static string PathOf(CommandResult result)
    {
        var words = new List<string>();
        for (var current = result; current.Parent is CommandResult parent; current = parent)
        {
            words.Insert(0, current.Command.Name);
        }

        return string.Join(' ', words);
    }

    private static string RootEpilogue() => $"""
        Every command takes --address, --settlement-address and --key (and their variables below); commands that print
        data take --format table|csv|json: table for people (boxes in a terminal, plain aligned text when stdout is
        redirected), csv and json for programs. Run 'metering <command> --help' for a command's options and examples.

        Environment:
          {GlobalOptions.AddressVariable,-28} the metering service when --address is not given (default {GlobalOptions.DefaultAddress})
          {GlobalOptions.SettlementAddressVariable,-28} the settlement service when --settlement-address is not given (default {GlobalOptions.DefaultSettlementAddress})
          {GlobalOptions.KeyVariable,-28} the API key when --key is not given

        {ExitCodeHelp}

        Shell completion: metering "[suggest:<cursor position>]" "<command line>" prints the completions at the cursor;
        dotnet-suggest, or the shell function in docs/operations.md, wires them into bash, zsh or PowerShell.
        """;
}
