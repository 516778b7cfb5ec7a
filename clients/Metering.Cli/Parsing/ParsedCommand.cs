using System.Globalization;

namespace Metering.Cli.Parsing;

/// <summary>
/// The arguments and option values given to one command, checked against its <see cref="CommandSpec"/> (unknown options,
/// missing values and missing required options are refused by the parser). The accessors turn values into types and
/// throw <see cref="CliUsageException"/> naming the option when a value is malformed.
/// </summary>
internal sealed class ParsedCommand
{
    private readonly Dictionary<string, List<string>> _values;

    public ParsedCommand(CommandSpec spec, IReadOnlyList<string> arguments, Dictionary<string, List<string>> values)
    {
        Spec = spec;
        Arguments = arguments;
        _values = values;
    }

    public CommandSpec Spec { get; }

    /// <summary>The positional arguments, in order.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>True when the option was given (with or without a value).</summary>
    public bool Has(string option) => _values.ContainsKey(option);

    /// <summary>True when the flag was given.</summary>
    public bool Flag(string option) => _values.ContainsKey(option);

    /// <summary>The value of a single-valued option, or null when it was not given.</summary>
    public string? Value(string option) => _values.TryGetValue(option, out var values) ? values[^1] : null;

    /// <summary>Every value of an option, in order; comma-separated values are split when <paramref name="splitCommas"/>.</summary>
    public IReadOnlyList<string> Values(string option, bool splitCommas = false)
    {
        if (!_values.TryGetValue(option, out var values))
        {
            return [];
        }

        if (!splitCommas)
        {
            return values;
        }

        var split = new List<string>();
        foreach (var value in values)
        {
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (part.Length == 0)
                {
                    throw Error($"{option} has an empty item in '{value}'");
                }

                split.Add(part);
            }
        }

        return split;
    }

    /// <summary>The value of an option the parser already checked is present.</summary>
    public string Required(string option)
        => Value(option) ?? throw Error($"{option} is required");

    /// <summary>The positional argument at <paramref name="index"/>, or null.</summary>
    public string? Argument(int index) => index < Arguments.Count ? Arguments[index] : null;

    /// <summary>A positive whole number, or <paramref name="fallback"/> when the option was not given.</summary>
    public int PositiveInt(string option, int fallback, int max)
    {
        var text = Value(option);
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max
            ? value
            : throw Error($"{option} must be a whole number from 1 to {max.ToString("N0", CultureInfo.InvariantCulture)}, not '{text}'");
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), or <paramref name="fallback"/> when not given.</summary>
    public T Choice<T>(string option, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        var text = Value(option);
        return text is null ? fallback : ParseChoice(option, text, choices);
    }

    /// <summary>Maps <paramref name="text"/> through <paramref name="choices"/>, or fails naming the option and the choices.</summary>
    public T ParseChoice<T>(string option, string text, IReadOnlyDictionary<string, T> choices)
    {
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw Error($"{option} must be one of {string.Join(", ", choices.Keys)}; not '{text}'");
    }

    /// <summary>A usage error about this command.</summary>
    public CliUsageException Error(string message) => new(message, Spec.Path);
}
