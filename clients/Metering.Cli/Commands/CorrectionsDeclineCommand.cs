using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering corrections decline &lt;correction-id&gt; --reason R</c>: CorrectionService.DeclineCorrection.</summary>
internal sealed class CorrectionsDeclineCommand : CliCommand
{
    private readonly Argument<string> _correctionId;
    private readonly Option<string> _reason;
    private readonly ChoiceOption<ExportFormat> _format;

    public CorrectionsDeclineCommand()
        : base("corrections decline", "decline a PROPOSED correction; it never counts (BILLING or ADMIN key)")
    {
        _correctionId = Argument("correction-id", "the PROPOSED correction (co_...)");
        _reason = Add(CliOptions.Text("--reason", "text", "why it is declined, 1 to 2,000 characters (the host sees it)", required: true));
        _format = Add(CliOptions.Format());
        Details = """
            A declined correction never counts and never changes again. Declining a DECLINED correction changes nothing;
            an APPROVED one cannot be declined (FAILED_PRECONDITION): correct it with another correction instead.
            """;
        Examples = ["metering corrections decline co_0123456789abcdef --reason \"the batch was not a duplicate\""];
        Target = ServiceTarget.Settlement;
    }

    public DeclineCorrectionRequest Bind(ParseResult parse)
        => new() { CorrectionId = parse.GetRequiredValue(_correctionId), Reason = parse.GetRequiredValue(_reason) };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var correction = (await context.Settlement.Corrections.DeclineCorrectionAsync(request, cancellationToken)).Correction;
        if (format != ExportFormat.Table)
        {
            CorrectionRenderer.Write(context.Output, [correction], format);
            return ExitCodes.Ok;
        }

        context.Out.WriteLine("Declined:");
        CorrectionRenderer.WriteDetails(context.Output, correction);
        return ExitCodes.Ok;
    }
}
