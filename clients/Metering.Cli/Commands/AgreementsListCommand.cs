using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering agreements list [--host H] [--in-force YYYY-MM]</c>: every page of SettlementService.ListAgreements.</summary>
internal sealed class AgreementsListCommand : CliCommand
{
    private readonly Option<IReadOnlyList<string>> _hosts;
    private readonly Option<string> _inForce;
    private readonly ChoiceOption<ExportFormat> _format;

    public AgreementsListCommand()
        : base("agreements list", "list agreements, replaced ones included (BILLING or ADMIN key)")
    {
        _hosts = Add(CliOptions.Names("--host", "host-id", "only these hosts"));
        _inForce = Add(CliOptions.Month("--in-force", "only the agreement in force in that month, per host"));
        _format = Add(CliOptions.Format());
        Examples = ["metering agreements list --host aws", "metering agreements list --in-force 2026-11 --format json"];
        Target = ServiceTarget.Settlement;
    }

    public (ListAgreementsRequest Request, ExportFormat Format) Bind(ParseResult parse)
    {
        var request = new ListAgreementsRequest { PageSize = 1000, InForceMonth = parse.GetValue(_inForce) ?? string.Empty };
        request.HostIds.AddRange(parse.GetValue(_hosts) ?? []);
        return (request, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (request, format) = Bind(parse);
        var agreements = new List<Agreement>();
        do
        {
            var page = await context.Settlement.Settlement.ListAgreementsAsync(request, cancellationToken);
            agreements.AddRange(page.Agreements);
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(context.Out, "agreements", agreements);
                break;
            case ExportFormat.Csv:
                AgreementRenderer.WriteCsv(context.Out, agreements);
                break;
            default:
                if (agreements.Count == 0)
                {
                    context.Out.WriteLine("No agreements match; create one with 'metering agreements set'.");
                }
                else
                {
                    AgreementRenderer.WriteTable(context.Output, agreements);
                }

                break;
        }

        return ExitCodes.Ok;
    }
}
