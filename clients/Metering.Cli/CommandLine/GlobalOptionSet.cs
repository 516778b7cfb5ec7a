using System.CommandLine;
using System.CommandLine.Parsing;

namespace Metering.Cli.CommandLine;

/// <summary>
/// The options every command accepts (<c>Recursive</c> options of the root command): the two service addresses and the
/// API key. An address not on the command line comes from its environment variable, else the default; a malformed one
/// is a parse error naming the option or the variable. The key's variable is read only when the command runs, so that
/// help never shows a secret.
/// </summary>
internal sealed class GlobalOptionSet
{
    private readonly Func<string, string?> _environment;

    public GlobalOptionSet(Func<string, string?> environment)
    {
        _environment = environment;
        Address = AddressOption(GlobalOptions.AddressOption, GlobalOptions.AddressVariable, GlobalOptions.DefaultAddress, "metering service");
        SettlementAddress = AddressOption(GlobalOptions.SettlementAddressOption, GlobalOptions.SettlementAddressVariable, GlobalOptions.DefaultSettlementAddress, "settlement service");
        Key = new Option<string>(GlobalOptions.KeyOption)
        {
            Description = $"API key sent as 'authorization: Bearer' (env {GlobalOptions.KeyVariable}; prefer the variable: arguments are visible to other users)",
            HelpName = "secret",
            Recursive = true,
        };
    }

    public Option<Uri> Address { get; }

    public Option<Uri> SettlementAddress { get; }

    public Option<string> Key { get; }

    public IEnumerable<Option> All => [Address, SettlementAddress, Key];

    /// <summary>The options' values for a parsed command line (which had no parse errors).</summary>
    public GlobalOptions Resolve(ParseResult parse)
    {
        var key = parse.GetValue(Key) ?? _environment(GlobalOptions.KeyVariable);
        return new GlobalOptions(parse.GetRequiredValue(Address), parse.GetRequiredValue(SettlementAddress), string.IsNullOrWhiteSpace(key) ? null : key.Trim());
    }

    private Option<Uri> AddressOption(string name, string variable, string fallback, string what)
        => new(name)
        {
            Description = $"{what} (env {variable})",
            HelpName = "url",
            Recursive = true,
            CustomParser = result => CliOptions.Parse(result, () => ParseAddress(name, result.Tokens[^1].Value, fallback)),
            DefaultValueFactory = result => CliOptions.Parse(result, () => _environment(variable) is { Length: > 0 } value
                ? ParseAddress(variable, value, fallback)
                : ParseAddress(name, fallback, fallback)),
        };

    private static Uri ParseAddress(string source, string text, string example)
        => Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliUsageException($"{source} must be an http:// or https:// URL such as {example}, not '{text}'");
}
