using System.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering keys revoke &lt;key-id&gt;</c>: AdminService.RevokeApiKey.</summary>
internal sealed class KeysRevokeCommand : CliCommand
{
    private readonly Argument<string> _keyId;

    public KeysRevokeCommand()
        : base("keys revoke", "revoke an API key; calls with it fail from then on (ADMIN key)")
    {
        _keyId = Argument("key-id", "the key's public id, as printed by 'keys create' (not the secret)");
        Examples = ["metering keys revoke k_0123456789abcdef"];
    }

    public RevokeApiKeyRequest Bind(ParseResult parse) => new() { KeyId = parse.GetRequiredValue(_keyId) };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var response = await context.Metering.Admin.RevokeApiKeyAsync(Bind(parse), cancellationToken);
        context.Out.WriteLine($"Revoked key {response.KeyId} at {Labels.Time(response.RevokedAt)} (servers stop accepting it within seconds).");
        return ExitCodes.Ok;
    }
}
