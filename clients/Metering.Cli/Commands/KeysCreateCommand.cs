using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering keys create --role host|billing|admin [--host H] [--description D]</c>: AdminService.CreateApiKey.</summary>
internal sealed class KeysCreateCommand : ICliCommand
{
    public static readonly IReadOnlyDictionary<string, Role> Roles = new Dictionary<string, Role>(StringComparer.Ordinal)
    {
        ["host"] = Role.Host,
        ["billing"] = Role.Billing,
        ["admin"] = Role.Admin,
    };

    public CommandSpec Spec { get; } = new("keys create", "issue an API key; its secret is shown once (ADMIN key)")
    {
        Options =
        [
            new("--role", "host|billing|admin", "host: ingest and read one host's usage and statements; billing: read all, settle; admin: everything", Required: true),
            new("--host", "host-id", "the host a HOST key is bound to (required with --role host, refused otherwise)"),
            new("--description", "text", "who or what uses the key, up to 500 characters"),
            new("--secret-only", null, "print only the secret on stdout (the rest goes to stderr), for scripts"),
        ],
        Examples =
        [
            "metering keys create --role host --host aws --description \"aws gateway eu-west-1\"",
            "export METERING_API_KEY=$(metering keys create --role billing --description finance --secret-only)",
        ],
    };

    public static CreateApiKeyRequest Bind(ParsedCommand args)
    {
        var role = args.ParseChoice("--role", args.Required("--role"), Roles);
        var host = args.Value("--host");
        if (role == Role.Host && host is null)
        {
            throw args.Error("--host is required with --role host (a HOST key is bound to one host)");
        }

        if (role != Role.Host && host is not null)
        {
            throw args.Error($"--host is only for --role host; a {Labels.Role(role)} key is not bound to a host");
        }

        return new CreateApiKeyRequest { Role = role, HostId = host ?? string.Empty, Description = args.Value("--description") ?? string.Empty };
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(args);
        var response = await context.Metering.Admin.CreateApiKeyAsync(request, cancellationToken);
        var key = response.ApiKey;
        var secretOnly = args.Flag("--secret-only");
        var info = secretOnly ? context.Error : context.Out;
        info.WriteLine($"Created {Labels.Role(key.Role)} key {key.KeyId}{(key.HostId.Length > 0 ? " for host " + key.HostId : string.Empty)}{(key.Description.Length > 0 ? $" ({key.Description})" : string.Empty)}.");
        if (secretOnly)
        {
            context.Out.WriteLine(response.Secret);
        }
        else
        {
            context.Out.WriteLine($"Secret: {response.Secret}");
        }

        info.WriteLine("WARNING: the secret is shown this once. The server keeps only a hash of it and cannot show it again:");
        info.WriteLine($"store it now. Send it as 'authorization: Bearer <secret>'; revoke with 'metering keys revoke {key.KeyId}'.");
        return ExitCodes.Ok;
    }
}
