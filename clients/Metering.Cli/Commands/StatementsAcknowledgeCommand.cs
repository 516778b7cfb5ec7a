using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering statements acknowledge &lt;statement-id&gt; [--message M]</c>: CorrectionService.AcknowledgeStatement.</summary>
internal sealed class StatementsAcknowledgeCommand : CliCommand
{
    /// <summary>The CSV header: one row, the acknowledgement.</summary>
    public static readonly IReadOnlyList<string> CsvHeader = ["statement_id", "host_id", "acknowledged_at", "actor_key_id", "message"];

    private readonly Argument<string> _statementId;
    private readonly Option<string> _message;
    private readonly ChoiceOption<ExportFormat> _format;

    public StatementsAcknowledgeCommand()
        : base("statements acknowledge", "accept a FINAL statement as correct (the host's HOST key)")
    {
        _statementId = Argument("statement-id", "the host's FINAL statement");
        _message = Add(CliOptions.Text("--message", "text", "an optional note, at most 2,000 characters"));
        _format = Add(CliOptions.Format());
        Details = """
            Only FINAL statements can be acknowledged, and not while a dispute of them is OPEN. Acknowledging twice
            returns the first acknowledgement; an acknowledged statement can no longer be disputed.
            --format json writes the AcknowledgeStatementResponse.
            """;
        Examples = ["metering statements acknowledge st_0123456789abcdef --message \"matches our records\""];
        Target = ServiceTarget.Settlement;
    }

    public AcknowledgeStatementRequest Bind(ParseResult parse)
        => new() { StatementId = parse.GetRequiredValue(_statementId), Message = parse.GetValue(_message) ?? string.Empty };

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var response = await context.Settlement.Corrections.AcknowledgeStatementAsync(request, cancellationToken);
        var ack = response.Acknowledgement;
        switch (format)
        {
            case ExportFormat.Json:
                context.Out.WriteLine(ProtoJson.FormatIndented(response));
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(context.Out, CsvHeader);
                Csv.WriteRow(context.Out, [ack.StatementId, ack.HostId, Labels.IsoTime(ack.AcknowledgedAt), ack.ActorKeyId, ack.Message]);
                break;
            default:
                context.Out.WriteLine($"Statement {ack.StatementId} ({ack.HostId}) acknowledged at {Labels.Time(ack.AcknowledgedAt)} by {ack.ActorKeyId}.");
                if (ack.Message.Length > 0)
                {
                    context.Out.WriteLine($"  Message: {ack.Message}");
                }

                break;
        }

        return ExitCodes.Ok;
    }
}
