using Metering.Cli.Commands;

namespace Metering.Cli.Parsing;

/// <summary>
/// Turns <c>args</c> into a command and its checked arguments. Grammar: <c>metering [global options] &lt;command
/// words&gt; [arguments and options]</c>; global options may appear anywhere; <c>--name value</c> and <c>--name=value</c>
/// are the same; <c>--</c> ends the options. Every error is a <see cref="CliUsageException"/> naming the command, the
/// option or the argument at fault.
/// </summary>
internal static class CommandLineParser
{
    private static readonly HashSet<string> GlobalValueOptions =
        [GlobalOptions.AddressOption, GlobalOptions.SettlementAddressOption, GlobalOptions.KeyOption];

    public static ParseOutcome Parse(IReadOnlyList<string> args, CommandCatalog catalog)
    {
        var globals = new Dictionary<string, string>(StringComparer.Ordinal);
        var words = new List<string>();
        var arguments = new List<string>();
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        ICliCommand? command = null;
        var help = false;
        var onlyPositionals = false;

        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (!onlyPositionals && token == "--")
            {
                onlyPositionals = true;
                continue;
            }

            if (!onlyPositionals && token is "-h" or "--help")
            {
                help = true;
                continue;
            }

            if (!onlyPositionals && token.StartsWith("--", StringComparison.Ordinal))
            {
                var (name, inline) = SplitOption(token);
                if (GlobalValueOptions.Contains(name))
                {
                    globals[name] = inline ?? TakeValue(args, ref i, name, command?.Spec.Path);
                    continue;
                }

                if (command is null)
                {
                    if (help)
                    {
                        continue;
                    }

                    var where = words.Count == 0 ? "metering" : "metering " + string.Join(' ', words);
                    throw new CliUsageException(
                        words.Count == 0
                            ? $"unknown option '{name}' before the command; see 'metering --help'"
                            : $"'{where}' needs a subcommand before '{name}': {string.Join(", ", catalog.SubcommandsOf(string.Join(' ', words)))}",
                        words.Count == 0 ? null : string.Join(' ', words));
                }

                AddOption(command.Spec, values, name, inline, args, ref i);
                continue;
            }

            if (!onlyPositionals && token.StartsWith('-') && token.Length > 1 && command is null)
            {
                throw new CliUsageException($"unknown option '{token}'; options are written --name (see 'metering --help')");
            }

            if (command is null)
            {
                words.Add(token);
                var path = string.Join(' ', words);
                command = catalog.Find(path);
                if (command is null && !catalog.IsGroup(path))
                {
                    var parent = words.Count > 1 ? string.Join(' ', words.Take(words.Count - 1)) : null;
                    throw parent is not null
                        ? new CliUsageException($"'{token}' is not a subcommand of 'metering {parent}'; choose one of: {string.Join(", ", catalog.SubcommandsOf(parent))}", parent)
                        : new CliUsageException($"'{token}' is not a metering command; see 'metering --help'");
                }

                continue;
            }

            arguments.Add(token);
        }

        if (help)
        {
            return new ParseOutcome(null, null, command?.Spec.Path ?? string.Join(' ', words), globals);
        }

        if (command is null)
        {
            if (words.Count == 0)
            {
                return new ParseOutcome(null, null, string.Empty, globals, IsError: true);
            }

            var group = string.Join(' ', words);
            throw new CliUsageException($"'metering {group}' needs a subcommand: {string.Join(", ", catalog.SubcommandsOf(group))}", group);
        }

        Check(command.Spec, arguments, values);
        return new ParseOutcome(command, new ParsedCommand(command.Spec, arguments, values), null, globals);
    }

    private static (string Name, string? Inline) SplitOption(string token)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (token, null) : (token[..equals], token[(equals + 1)..]);
    }

    private static string TakeValue(IReadOnlyList<string> args, ref int i, string name, string? commandPath)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new CliUsageException($"{name} needs a value", commandPath);
        }

        i++;
        return args[i];
    }

    private static void AddOption(CommandSpec spec, Dictionary<string, List<string>> values, string name, string? inline, IReadOnlyList<string> args, ref int i)
    {
        var option = spec.FindOption(name)
            ?? throw new CliUsageException($"unknown option '{name}' for 'metering {spec.Path}'{Suggestion(spec, name)}", spec.Path);
        if (option.IsFlag && inline is not null)
        {
            throw new CliUsageException($"{name} is a flag and takes no value (got '{inline}')", spec.Path);
        }

        var value = option.IsFlag ? string.Empty : inline ?? TakeValue(args, ref i, name, spec.Path);
        if (!values.TryGetValue(name, out var list))
        {
            values[name] = list = [];
        }
        else if (!option.Repeatable)
        {
            throw new CliUsageException($"{name} was given more than once", spec.Path);
        }

        list.Add(value);
    }

    private static void Check(CommandSpec spec, List<string> arguments, Dictionary<string, List<string>> values)
    {
        if (arguments.Count > spec.Arguments.Count)
        {
            var extra = arguments[spec.Arguments.Count];
            throw new CliUsageException(
                spec.Arguments.Count == 0
                    ? $"'metering {spec.Path}' takes no arguments, got '{extra}'"
                    : $"unexpected argument '{extra}' (after <{spec.Arguments[^1].Name}>)",
                spec.Path);
        }

        for (var a = arguments.Count; a < spec.Arguments.Count; a++)
        {
            if (spec.Arguments[a].Required)
            {
                throw new CliUsageException($"missing argument <{spec.Arguments[a].Name}>", spec.Path);
            }
        }

        foreach (var option in spec.Options)
        {
            if (option.Required && !values.ContainsKey(option.Name))
            {
                throw new CliUsageException($"{option.Name} is required ({option.Description})", spec.Path);
            }

            if (!option.IsFlag && values.TryGetValue(option.Name, out var given) && given.Any(v => v.Length == 0))
            {
                throw new CliUsageException($"{option.Name} needs a non-empty value", spec.Path);
            }
        }
    }

    private static string Suggestion(CommandSpec spec, string name)
    {
        var best = spec.Options.Concat(GlobalOptions.Specs)
            .Select(o => (o.Name, Distance: EditDistance(o.Name, name)))
            .Where(x => x.Distance <= 2)
            .OrderBy(x => x.Distance)
            .Select(x => x.Name)
            .FirstOrDefault();
        return best is null ? string.Empty : $"; did you mean {best}?";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
