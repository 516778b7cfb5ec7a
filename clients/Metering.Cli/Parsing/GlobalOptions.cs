namespace Metering.Cli.Parsing;

/// <summary>
/// Where to call and with which key, from the command line, else the environment, else the defaults.
/// </summary>
internal sealed record GlobalOptions(Uri Address, Uri SettlementAddress, string? Key)
{
    public const string AddressOption = "--address";
    public const string SettlementAddressOption = "--settlement-address";
    public const string KeyOption = "--key";

    public const string AddressVariable = "METERING_ADDRESS";
    public const string SettlementAddressVariable = "METERING_SETTLEMENT_ADDRESS";
    public const string KeyVariable = "METERING_API_KEY";

    public const string DefaultAddress = "http://127.0.0.1:50051";
    public const string DefaultSettlementAddress = "http://127.0.0.1:50052";

    /// <summary>The options every command accepts, as shown in help.</summary>
    public static readonly IReadOnlyList<OptionSpec> Specs =
    [
        new(AddressOption, "url", $"metering service (env {AddressVariable}; default {DefaultAddress})"),
        new(SettlementAddressOption, "url", $"settlement service (env {SettlementAddressVariable}; default {DefaultSettlementAddress})"),
        new(KeyOption, "secret", $"API key sent as 'authorization: Bearer' (env {KeyVariable}; prefer the variable: arguments are visible to other users)"),
        new("--help", null, "show help for the command (also -h)"),
    ];

    /// <summary>
    /// Resolves the options: a value given on the command line wins over the environment variable, which wins over the
    /// default. Addresses must be absolute http:// or https:// URLs; the error names the option or variable at fault.
    /// </summary>
    public static GlobalOptions Resolve(IReadOnlyDictionary<string, string> given, Func<string, string?> environment)
    {
        var address = ResolveAddress(given, environment, AddressOption, AddressVariable, DefaultAddress);
        var settlement = ResolveAddress(given, environment, SettlementAddressOption, SettlementAddressVariable, DefaultSettlementAddress);
        var key = given.TryGetValue(KeyOption, out var k) ? k : environment(KeyVariable);
        return new GlobalOptions(address, settlement, string.IsNullOrWhiteSpace(key) ? null : key.Trim());
    }

    private static Uri ResolveAddress(IReadOnlyDictionary<string, string> given, Func<string, string?> environment, string option, string variable, string fallback)
    {
        string source;
        string text;
        if (given.TryGetValue(option, out var fromArgs))
        {
            (source, text) = (option, fromArgs);
        }
        else if (environment(variable) is { Length: > 0 } fromEnv)
        {
            (source, text) = (variable, fromEnv);
        }
        else
        {
            (source, text) = (option, fallback);
        }

        return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliUsageException($"{source} must be an http:// or https:// URL such as {fallback}, not '{text}'");
    }
}
