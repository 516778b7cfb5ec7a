using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering disputes resolve &lt;dispute-id&gt; (--correction C [--note N] | --reject R)</c>:
/// CorrectionService.ResolveDispute.
/// </summary>
internal sealed class DisputesResolveCommand : CliCommand
{
    private readonly Argument<string> _disputeId;
    private readonly Option<string> _correction;
    private readonly Option<string> _note;
    private readonly Option<string> _reject;
    private readonly ChoiceOption<ExportFormat> _format;

    public DisputesResolveCommand()
        : base("disputes resolve", "close an OPEN dispute with a correction or reject it (BILLING or ADMIN key)")
    {
        _disputeId = Argument("dispute-id", "the OPEN dispute (di_...)");
        _correction = Add(CliOptions.Text("--correction", "correction-id", "RESOLVED by this correction of the disputed host (a PROPOSED one is approved now)"));
        _note = Add(CliOptions.Text("--note", "text", "with --correction: a note for the host, at most 2,000 characters"));
        _reject = Add(CliOptions.Text("--reject", "reason", "REJECTED, for this reason (1 to 2,000 characters)"));
        _format = Add(CliOptions.Format());
        Details = """
            Usage: metering disputes resolve <dispute-id> --correction <correction-id> [--note <text>]
                   metering disputes resolve <dispute-id> --reject <reason>
            Exactly one of --correction and --reject. A dispute is resolved by a correction of the same host: propose
            it first ('metering corrections propose ... --reason-code dispute-resolution'). --format json writes the
            whole response: the dispute and, with --correction, the correction (APPROVED).
            """;
        Examples =
        [
            "metering disputes resolve di_0123456789abcdef --correction co_0123456789abcdef --note \"refunded in November\"",
            "metering disputes resolve di_0123456789abcdef --reject \"the usage matches the gateway's own logs\"",
        ];
        Target = ServiceTarget.Settlement;
    }

    public ResolveDisputeRequest Bind(ParseResult parse)
    {
        var correction = parse.GetValue(_correction);
        var reject = parse.GetValue(_reject);
        var note = parse.GetValue(_note);
        if (correction is not null && reject is not null)
        {
            throw Error("give either --correction or --reject, not both");
        }

        if (correction is null && reject is null)
        {
            throw Error("missing --correction <correction-id> (resolve) or --reject <reason> (reject)");
        }

        if (note is not null && correction is null)
        {
            throw Error("--note is only for --correction; with --reject the reason is the note");
        }

        var request = new ResolveDisputeRequest { DisputeId = parse.GetRequiredValue(_disputeId), Note = note ?? string.Empty };
        if (correction is not null)
        {
            request.CorrectionId = correction;
        }
        else
        {
            request.RejectionReason = reject!;
        }

        return request;
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var response = await context.Settlement.Corrections.ResolveDisputeAsync(request, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                context.Out.WriteLine(ProtoJson.FormatIndented(response));
                break;
            case ExportFormat.Csv:
                DisputeRenderer.WriteCsv(context.Out, [response.Dispute]);
                break;
            default:
                context.Out.WriteLine(response.Dispute.State == DisputeState.Rejected ? "Rejected:" : "Resolved:");
                DisputeRenderer.WriteDetails(context.Output, response.Dispute);
                if (response.Correction is { } applied)
                {
                    context.Out.WriteLine();
                    CorrectionRenderer.WriteDetails(context.Output, applied);
                }

                break;
        }

        return ExitCodes.Ok;
    }
}
