using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering statements dispute &lt;statement-id&gt; [--line model | --line model@YYYY-MM]... --message M</c>:
/// CorrectionService.DisputeStatement.
/// </summary>
internal sealed class StatementsDisputeCommand : CliCommand
{
    private readonly Argument<string> _statementId;
    private readonly Option<IReadOnlyList<StatementLineRef>> _lines;
    private readonly Option<string> _message;
    private readonly ChoiceOption<ExportFormat> _format;

    public StatementsDisputeCommand()
        : base("statements dispute", "dispute a FINAL statement, whole or some of its lines (the host's HOST key)")
    {
        _statementId = Argument("statement-id", "the host's FINAL statement");
        _lines = Add(CliOptions.List(
            "--line",
            "model[@YYYY-MM]",
            "a disputed line: a model for its USAGE line, model@YYYY-MM for the ADJUSTMENT line correcting that month; none: the whole statement",
            (option, text) => ParseLine(option, text),
            commaSeparated: false));
        var parseLines = _lines.CustomParser!;
        _lines.CustomParser = result => CliOptions.Parse(result, () =>
        {
            var lines = parseLines(result) ?? [];
            var twice = lines.GroupBy(Labels.Line, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            return twice is null ? lines : throw new CliUsageException($"--line names '{twice.Key}' twice");
        });
        _message = Add(CliOptions.Text("--message", "text", "what is wrong, 1 to 2,000 characters", required: true));
        _format = Add(CliOptions.Format());
        Details = """
            Only FINAL statements that are not acknowledged can be disputed; each --line must be a line of the statement
            (INVALID_ARGUMENT naming lines[i] otherwise). The dispute stays OPEN until billing resolves it with a
            correction or rejects it ('metering disputes resolve').
            --format csv and json write the dispute as 'disputes list' does.
            """;
        Examples =
        [
            "metering statements dispute st_0123456789abcdef --message \"the whole month double counts our retries\"",
            "metering statements dispute st_0123456789abcdef --line llama-3.1-8b --line llama-3.1-8b@2026-09 \\\n" +
            "      --message \"input tokens are twice what our gateway logged\"",
        ];
        Target = ServiceTarget.Settlement;
    }

    public DisputeStatementRequest Bind(ParseResult parse)
    {
        var request = new DisputeStatementRequest { StatementId = parse.GetRequiredValue(_statementId), Message = parse.GetRequiredValue(_message) };
        request.Lines.AddRange(parse.GetValue(_lines) ?? []);
        return request;
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var dispute = (await context.Settlement.Corrections.DisputeStatementAsync(request, cancellationToken)).Dispute;
        if (format != ExportFormat.Table)
        {
            DisputeRenderer.Write(context.Output, [dispute], format);
            return ExitCodes.Ok;
        }

        context.Out.WriteLine("Disputed:");
        DisputeRenderer.WriteDetails(context.Output, dispute);
        context.Out.WriteLine($"Billing answers with 'metering disputes resolve {dispute.DisputeId}'; follow it with 'metering disputes list --statement {dispute.StatementId}'.");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>model</c> names a USAGE line; <c>model@YYYY-MM</c> the ADJUSTMENT line correcting that month (model names
    /// have no '@').
    /// </summary>
    public static StatementLineRef ParseLine(string option, string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return new StatementLineRef { Model = Values.NonEmpty(option, text) };
        }

        var model = text[..at];
        if (model.Length == 0)
        {
            throw new CliUsageException($"{option} '{text}' has no model before '@'");
        }

        var period = text[(at + 1)..];
        try
        {
            return new StatementLineRef { Model = model, CorrectsPeriod = Values.Month(option, period) };
        }
        catch (CliUsageException)
        {
            throw new CliUsageException($"{option} '{text}': the period after '@' must be a month written YYYY-MM (e.g. {model}@2026-09)");
        }
    }
}
