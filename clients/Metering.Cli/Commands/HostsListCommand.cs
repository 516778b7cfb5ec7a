using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering hosts list</c>: every page of AdminService.ListHosts.</summary>
internal sealed class HostsListCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("hosts list", "list hosting partners (ADMIN or BILLING key)")
    {
        Examples = ["metering hosts list"],
    };

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var hosts = await ListAllAsync(context, cancellationToken);
        if (hosts.Count == 0)
        {
            context.Out.WriteLine("No hosts yet; create one with 'metering hosts create <host-id> --name \"Display name\"'.");
            return ExitCodes.Ok;
        }

        var table = new TextTable(("Host", Align.Left), ("Name", Align.Left), ("Created", Align.Left));
        foreach (var host in hosts)
        {
            table.AddRow(host.HostId, host.DisplayName, Labels.Time(host.CreatedAt));
        }

        table.WriteTo(context.Out);
        return ExitCodes.Ok;
    }

    public static async Task<List<Host>> ListAllAsync(CliContext context, CancellationToken cancellationToken)
    {
        var hosts = new List<Host>();
        var request = new ListHostsRequest { PageSize = 1000 };
        do
        {
            var page = await context.Metering.Admin.ListHostsAsync(request, cancellationToken);
            hosts.AddRange(page.Hosts);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return hosts;
    }
}
