using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering corrections approve &lt;correction-id&gt;</c>: CorrectionService.ApproveCorrection.</summary>
internal sealed class CorrectionsApproveCommand : CliCommand
{
    private readonly Argument<string> _correctionId;
    private readonly ChoiceOption<ExportFormat> _format;

    public CorrectionsApproveCommand()
        : base("corrections approve", "approve a PROPOSED correction; from then on it counts (BILLING or ADMIN key)")
    {
        _correctionId = Argument("correction-id", "the PROPOSED correction (co_...)");
        _format = Add(CliOptions.Format());
        Details = """
            An approved correction counts in usage (the corrected view) and settlement, and never changes again.
            Approving an APPROVED correction changes nothing; a DECLINED one cannot be approved (FAILED_PRECONDITION),
            nor one whose corrected total would go below zero or whose hours partly overlap another correction's.
            """;
        Examples = ["metering corrections approve co_0123456789abcdef"];
        Target = ServiceTarget.Settlement;
    }

    public ApproveCorrectionRequest Bind(ParseResult parse) => new() { CorrectionId = parse.GetRequiredValue(_correctionId) };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var correction = (await context.Settlement.Corrections.ApproveCorrectionAsync(request, cancellationToken)).Correction;
        if (format != ExportFormat.Table)
        {
            CorrectionRenderer.Write(context.Output, [correction], format);
            return ExitCodes.Ok;
        }

        context.Out.WriteLine("Approved:");
        CorrectionRenderer.WriteDetails(context.Output, correction);
        return ExitCodes.Ok;
    }
}
