using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Commands;

/// <summary><c>metering hosts list [--format table|csv|json]</c>: every page of AdminService.ListHosts.</summary>
internal sealed class HostsListCommand : CliCommand
{
    public static readonly IReadOnlyList<string> CsvHeader = ["host_id", "display_name", "created_at"];

    private readonly ChoiceOption<ExportFormat> _format;

    public HostsListCommand()
        : base("hosts list", "list hosting partners (ADMIN or BILLING key)")
    {
        _format = Add(CliOptions.Format());
        Examples = ["metering hosts list", "metering hosts list --format csv > hosts.csv"];
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var format = _format.Get(parse);
        var hosts = await ListAllAsync(context, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(context.Out, "hosts", hosts);
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(context.Out, CsvHeader);
                foreach (var host in hosts)
                {
                    Csv.WriteRow(context.Out, [host.HostId, host.DisplayName, Labels.IsoTime(host.CreatedAt)]);
                }

                break;
            default:
                if (hosts.Count == 0)
                {
                    context.Out.WriteLine("No hosts yet; create one with 'metering hosts create <host-id> --name \"Display name\"'.");
                    break;
                }

                var table = Tables.Create(("Host", Justify.Left), ("Name", Justify.Left), ("Created", Justify.Left));
                foreach (var host in hosts)
                {
                    table.AddTextRow(host.HostId, host.DisplayName, Labels.Time(host.CreatedAt));
                }

                context.Output.Write(table);
                break;
        }

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
