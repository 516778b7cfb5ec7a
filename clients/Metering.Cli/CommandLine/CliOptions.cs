using System.CommandLine;
using System.CommandLine.Parsing;
using Metering.Cli.Commands;
using Metering.Cli.Rendering;

namespace Metering.Cli.CommandLine;

/// <summary>
/// The kinds of option the commands take, as System.CommandLine options whose <c>CustomParser</c> reads the value with
/// <see cref="Values"/>: a malformed value is a parse error (exit code 2) whose message names the option.
/// </summary>
internal static class CliOptions
{
    /// <summary>An option with one value, read by <paramref name="parse"/> (given the option's name and the text).</summary>
    public static Option<T> Single<T>(string name, string valueName, string description, Func<string, string, T> parse, bool required = false)
        => new(name)
        {
            Description = description,
            HelpName = valueName,
            Required = required,
            CustomParser = result => Parse(result, () => parse(name, result.Tokens[^1].Value)),
        };

    /// <summary>A non-empty string.</summary>
    public static Option<string> Text(string name, string valueName, string description, bool required = false)
        => Single(name, valueName, description, Values.NonEmpty, required);

    /// <summary>A month <c>YYYY-MM</c>.</summary>
    public static Option<string> Month(string name, string description, bool required = false)
        => Single(name, "YYYY-MM", description, Values.Month, required);

    /// <summary>A whole number from 1 to <paramref name="max"/>, <paramref name="fallback"/> when not given.</summary>
    public static Option<int> PositiveInt(string name, string valueName, string description, int fallback, int max)
    {
        var option = Single(name, valueName, description, (option, text) => Values.PositiveInt(option, text, max));
        option.DefaultValueFactory = _ => fallback;
        return option;
    }

    /// <summary><c>--format table|csv|json</c>, default table: what every command that prints data takes.</summary>
    public static ChoiceOption<ExportFormat> Format()
        => new("--format", "output format: table for people, csv or json (the proto3 JSON mapping) for programs", Choices.TableCsvJson, fallback: "table");

    /// <summary>A flag (no value).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>
    /// An option that may be repeated, each value read by <paramref name="parseItem"/>; with
    /// <paramref name="commaSeparated"/> a value may also hold several items separated by commas. Empty when not given.
    /// </summary>
    public static Option<IReadOnlyList<T>> List<T>(string name, string valueName, string description, Func<string, string, T> parseItem, bool commaSeparated = true)
        => new(name)
        {
            Description = description + (commaSeparated ? " (comma-separated or repeated)" : " (repeatable)"),
            HelpName = valueName,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => [],
            CustomParser = result => Parse(result, () => Items(name, result.Tokens, parseItem, commaSeparated)),
        };

    /// <summary>Host ids or model names: comma-separated or repeated, duplicates dropped (first one kept).</summary>
    public static Option<IReadOnlyList<string>> Names(string name, string valueName, string description)
    {
        var option = List(name, valueName, description, Values.NonEmpty);
        var parse = option.CustomParser!;
        option.CustomParser = result => parse(result) is { } names ? names.Distinct(StringComparer.Ordinal).ToList() : [];
        return option;
    }

    /// <summary>Runs <paramref name="parse"/>; a <see cref="CliUsageException"/> from it becomes the option's parse error.</summary>
    public static T Parse<T>(ArgumentResult result, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (CliUsageException e)
        {
            result.AddError(e.Message);
            return default!;
        }
    }

    private static List<T> Items<T>(string name, IReadOnlyList<Token> tokens, Func<string, string, T> parseItem, bool commaSeparated)
    {
        var items = new List<T>();
        foreach (var token in tokens)
        {
            if (!commaSeparated)
            {
                items.Add(parseItem(name, token.Value));
                continue;
            }

            foreach (var part in token.Value.Split(',', StringSplitOptions.TrimEntries))
            {
                items.Add(part.Length > 0 ? parseItem(name, part) : throw new CliUsageException($"{name} has an empty item in '{token.Value}'"));
            }
        }

        return items;
    }
}
