using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering hosts create &lt;host-id&gt; --name "Display"</c>: AdminService.CreateHost.</summary>
internal sealed class HostsCreateCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("hosts create", "register a hosting partner (ADMIN key)")
    {
        Arguments = [new("host-id", "stable slug: 1-63 characters of [a-z0-9-], starting with a letter, e.g. acme-cloud")],
        Options = [new("--name", "display-name", "human-readable name, 1-200 characters", Required: true)],
        Examples = ["metering hosts create aws --name \"Amazon Web Services\""],
    };

    public static CreateHostRequest Bind(ParsedCommand args)
        => new() { HostId = args.Arguments[0], DisplayName = args.Required("--name") };

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(args);
        var response = await context.Metering.Admin.CreateHostAsync(request, cancellationToken);
        var host = response.Host;
        context.Out.WriteLine($"Created host {host.HostId} ({host.DisplayName}) at {Labels.Time(host.CreatedAt)}.");
        return ExitCodes.Ok;
    }
}
