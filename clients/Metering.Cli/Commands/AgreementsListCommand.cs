using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering agreements list [--host H] [--in-force YYYY-MM]</c>: every page of SettlementService.ListAgreements.</summary>
internal sealed class AgreementsListCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("agreements list", "list agreements, replaced ones included (BILLING or ADMIN key)")
    {
        Options =
        [
            new("--host", "host-id", "only these hosts (comma-separated or repeated)", Repeatable: true),
            new("--in-force", "YYYY-MM", "only the agreement in force in that month, per host"),
            new("--format", "table|json", "output format; default table"),
        ],
        Examples = ["metering agreements list --host aws", "metering agreements list --in-force 2026-11 --format json"],
        Target = ServiceTarget.Settlement,
    };

    private static readonly IReadOnlyDictionary<string, ExportFormat> Formats = new Dictionary<string, ExportFormat>(StringComparer.Ordinal)
    {
        ["table"] = ExportFormat.Table,
        ["json"] = ExportFormat.Json,
    };

    public static (ListAgreementsRequest Request, ExportFormat Format) Bind(ParsedCommand args)
    {
        var request = new ListAgreementsRequest { PageSize = 1000 };
        request.HostIds.AddRange(args.Values("--host", splitCommas: true).Distinct(StringComparer.Ordinal));
        if (args.Value("--in-force") is { } month)
        {
            request.InForceMonth = Values.Month(args, "--in-force", month);
        }

        return (request, args.Choice("--format", Formats, ExportFormat.Table));
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var (request, format) = Bind(args);
        var agreements = new List<Agreement>();
        do
        {
            var page = await context.Settlement.Settlement.ListAgreementsAsync(request, cancellationToken);
            agreements.AddRange(page.Agreements);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        if (format == ExportFormat.Json)
        {
            ProtoJson.WriteArray(context.Out, "agreements", agreements);
        }
        else if (agreements.Count == 0)
        {
            context.Out.WriteLine("No agreements match; create one with 'metering agreements set'.");
        }
        else
        {
            AgreementRenderer.WriteTable(context.Out, agreements);
        }

        return ExitCodes.Ok;
    }
}
