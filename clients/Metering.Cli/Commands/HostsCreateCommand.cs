using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering hosts create &lt;host-id&gt; --name "Display"</c>: AdminService.CreateHost.</summary>
internal sealed class HostsCreateCommand : CliCommand
{
    private readonly Argument<string> _hostId;
    private readonly Option<string> _name;

    public HostsCreateCommand()
        : base("hosts create", "register a hosting partner (ADMIN key)")
    {
        _hostId = Argument("host-id", "stable slug: 1-63 characters of [a-z0-9-], starting with a letter, e.g. acme-cloud");
        _name = Add(CliOptions.Text("--name", "display-name", "human-readable name, 1-200 characters", required: true));
        Examples = ["metering hosts create aws --name \"Amazon Web Services\""];
    }

    public CreateHostRequest Bind(ParseResult parse)
        => new() { HostId = parse.GetRequiredValue(_hostId), DisplayName = parse.GetRequiredValue(_name) };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var response = await context.Metering.Admin.CreateHostAsync(request, cancellationToken);
        var host = response.Host;
        context.Out.WriteLine($"Created host {host.HostId} ({host.DisplayName}) at {Labels.Time(host.CreatedAt)}.");
        return ExitCodes.Ok;
    }
}
