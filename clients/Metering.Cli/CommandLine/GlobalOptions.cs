namespace Metering.Cli.CommandLine;

/// <summary>
/// Where to call and with which key: from the command line, else the environment, else the defaults (resolved by
/// <see cref="GlobalOptionSet"/>).
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
}
