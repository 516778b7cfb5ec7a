using System.CommandLine;

namespace Metering.Cli.CommandLine;

/// <summary>
/// An option whose value is one of a few words (<c>table|csv|json</c>), matched case-insensitively; help shows the words
/// and completions offer them. <see cref="Get"/> maps the word to <typeparamref name="T"/>.
/// </summary>
internal sealed class ChoiceOption<T> : Option<string>
{
    private readonly IReadOnlyDictionary<string, T> _choices;

    public ChoiceOption(string name, string description, IReadOnlyDictionary<string, T> choices, string? fallback = null, bool required = false)
        : base(name)
    {
        _choices = choices;
        Description = description;
        HelpName = string.Join('|', choices.Keys);
        Required = required;
        CustomParser = result => CliOptions.Parse(result, () => Values.Choice(name, result.Tokens[^1].Value, choices.Keys));
        if (fallback is not null)
        {
            DefaultValueFactory = _ => fallback;
        }

        CompletionSources.Add([.. choices.Keys]);
    }

    /// <summary>The value given, or the fallback; <paramref name="none"/> when neither.</summary>
    public T Get(ParseResult parse, T none = default!)
        => parse.GetValue(this) is { } word ? _choices[word] : none;

    /// <summary>True when the option was written on the command line.</summary>
    public bool IsGiven(ParseResult parse) => parse.GetResult(this) is { Implicit: false };
}
