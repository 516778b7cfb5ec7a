using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering keys revoke &lt;key-id&gt;</c>: AdminService.RevokeApiKey.</summary>
internal sealed class KeysRevokeCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("keys revoke", "revoke an API key; calls with it fail from then on (ADMIN key)")
    {
        Arguments = [new("key-id", "the key's public id, as printed by 'keys create' (not the secret)")],
        Examples = ["metering keys revoke k_0123456789abcdef"],
    };

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var response = await context.Metering.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = args.Arguments[0] }, cancellationToken);
        context.Out.WriteLine($"Revoked key {response.KeyId} at {Labels.Time(response.RevokedAt)} (servers stop accepting it within seconds).");
        return ExitCodes.Ok;
    }
}
