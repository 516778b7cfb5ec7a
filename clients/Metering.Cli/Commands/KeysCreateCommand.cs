using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering keys create --role host|billing|admin [--host H] [--description D]</c>: AdminService.CreateApiKey.</summary>
internal sealed class KeysCreateCommand : CliCommand
{
    public static readonly IReadOnlyDictionary<string, Role> Roles = new Dictionary<string, Role>(StringComparer.Ordinal)
    {
        ["host"] = Role.Host,
        ["billing"] = Role.Billing,
        ["admin"] = Role.Admin,
    };

    private readonly ChoiceOption<Role> _role;
    private readonly Option<string> _host;
    private readonly Option<string> _description;
    private readonly Option<bool> _secretOnly;

    public KeysCreateCommand()
        : base("keys create", "issue an API key; its secret is shown once (ADMIN key)")
    {
        _role = Add(new ChoiceOption<Role>("--role", "host: ingest and read one host's usage and statements; billing: read all, settle; admin: everything", Roles, required: true));
        _host = Add(CliOptions.Text("--host", "host-id", "the host a HOST key is bound to (required with --role host, refused otherwise)"));
        _description = Add(CliOptions.Text("--description", "text", "who or what uses the key, up to 500 characters"));
        _secretOnly = Add(CliOptions.Flag("--secret-only", "print only the secret on stdout (the rest goes to stderr), for scripts"));
        Examples =
        [
            "metering keys create --role host --host aws --description \"aws gateway eu-west-1\"",
            "export METERING_API_KEY=$(metering keys create --role billing --description finance --secret-only)",
        ];
    }

    public CreateApiKeyRequest Bind(ParseResult parse)
    {
        var role = _role.Get(parse);
        var host = parse.GetValue(_host);
        if (role == Role.Host && host is null)
        {
            throw Error("--host is required with --role host (a HOST key is bound to one host)");
        }

        if (role != Role.Host && host is not null)
        {
            throw Error($"--host is only for --role host; a {Labels.Role(role)} key is not bound to a host");
        }

        return new CreateApiKeyRequest { Role = role, HostId = host ?? string.Empty, Description = parse.GetValue(_description) ?? string.Empty };
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var response = await context.Metering.Admin.CreateApiKeyAsync(request, cancellationToken);
        var key = response.ApiKey;
        var secretOnly = parse.GetValue(_secretOnly);
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
