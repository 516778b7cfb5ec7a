using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering corrections propose --host H --model M --period P [--from-hour T --to-hour T] [--input-tokens N]
/// [--output-tokens N] [--requests N] [--billed-micros N] --reason-code C --reason R</c>:
/// CorrectionService.ProposeCorrection.
/// </summary>
internal sealed class CorrectionsProposeCommand : CliCommand
{
    private readonly Option<string> _host;
    private readonly Option<string> _model;
    private readonly Option<string> _period;
    private readonly Option<DateTimeOffset?> _fromHour;
    private readonly Option<DateTimeOffset?> _toHour;
    private readonly Option<long> _inputTokens;
    private readonly Option<long> _outputTokens;
    private readonly Option<long> _requests;
    private readonly Option<long> _billedMicros;
    private readonly ChoiceOption<CorrectionReason> _reasonCode;
    private readonly Option<string> _reason;
    private readonly ChoiceOption<ExportFormat> _format;

    public CorrectionsProposeCommand()
        : base("corrections propose", "correct a host's counted usage of one model in one month (HOST key: proposed; BILLING or ADMIN key: approved at once)")
    {
        _host = Add(CliOptions.Text("--host", "host-id", "the host whose usage is corrected (a HOST key: its own)", required: true));
        _model = Add(CliOptions.Text("--model", "model", "the model, exactly as counted", required: true));
        _period = Add(CliOptions.Month("--period", "the month the corrected usage belongs to (UTC)", required: true));
        _fromHour = Add(CliOptions.Single<DateTimeOffset?>("--from-hour", "time", "first corrected hour, inclusive, a whole UTC hour in --period: 2026-10-05T00Z; default the start of --period", (option, text) => Values.Hour(option, text)));
        _toHour = Add(CliOptions.Single<DateTimeOffset?>("--to-hour", "time", "end of the corrected hours, exclusive (with --from-hour); default the end of --period", (option, text) => Values.Hour(option, text)));
        _inputTokens = Add(Delta("--input-tokens", "input tokens to add (negative to subtract)"));
        _outputTokens = Add(Delta("--output-tokens", "output tokens to add (negative to subtract)"));
        _requests = Add(Delta("--requests", "requests to add (negative to subtract)"));
        _billedMicros = Add(Delta("--billed-micros", "billed amount to add, in millionths of the agreement's currency (negative to subtract)"));
        _reasonCode = Add(new ChoiceOption<CorrectionReason>("--reason-code", "why the usage is corrected", Choices.CorrectionReasons, required: true));
        _reason = Add(CliOptions.Text("--reason", "text", "what happened, 1 to 2,000 characters", required: true));
        _format = Add(CliOptions.Format());
        Details = """
            A correction adds signed deltas to the host's counted usage of --model over whole UTC hours of --period
            (the whole month unless --from-hour and --to-hour narrow it); at least one delta is non-zero. Nothing counted
            is rewritten: the correction is a row of its own, and it counts only once APPROVED. A HOST key's correction
            waits as PROPOSED for 'metering corrections approve' (BILLING or ADMIN); a BILLING or ADMIN key's is APPROVED
            at once. The corrected total of the range may never go below zero (FAILED_PRECONDITION, reason
            CORRECTED_TOTAL_NEGATIVE), and hour ranges of one host and model are nested or disjoint (RANGE_OVERLAP).
            An approved correction of a DRAFT month counts at its next settlement; of a FINAL month, as ADJUSTMENT lines
            on the host's next statement. --format csv and json write the stored correction as 'corrections list' does.
            """;
        Examples =
        [
            "metering corrections propose --host aws --model llama-3.1-8b --period 2026-10 --input-tokens -500000 \\\n" +
            "      --requests -20 --reason-code duplicate-report --reason \"gateway retried a batch on 2026-10-05\"",
            "metering corrections propose --host aws --model llama-3.1-8b --period 2026-10 --from-hour 2026-10-05T00Z \\\n" +
            "      --to-hour 2026-10-06T00Z --output-tokens 120000 --reason-code missing-usage --reason \"gateway outage\"",
        ];
        Target = ServiceTarget.Settlement;
    }

    public ProposeCorrectionRequest Bind(ParseResult parse)
    {
        var from = parse.GetValue(_fromHour);
        var to = parse.GetValue(_toHour);
        if (from.HasValue != to.HasValue)
        {
            throw Error(from.HasValue ? "--to-hour is required with --from-hour" : "--from-hour is required with --to-hour");
        }

        var input = new CorrectionInput
        {
            HostId = parse.GetRequiredValue(_host),
            Model = parse.GetRequiredValue(_model),
            Period = parse.GetRequiredValue(_period),
            InputTokens = parse.GetValue(_inputTokens),
            OutputTokens = parse.GetValue(_outputTokens),
            Requests = parse.GetValue(_requests),
            BilledMicros = parse.GetValue(_billedMicros),
            ReasonCode = _reasonCode.Get(parse),
            Reason = parse.GetRequiredValue(_reason),
        };
        if (from is { } start && to is { } end)
        {
            if (end <= start)
            {
                throw Error($"--to-hour ({end:yyyy-MM-ddTHH:mm}Z) must be after --from-hour ({start:yyyy-MM-ddTHH:mm}Z)");
            }

            input.FromHour = Timestamp.FromDateTimeOffset(start);
            input.ToHour = Timestamp.FromDateTimeOffset(end);
        }

        if (input is { InputTokens: 0, OutputTokens: 0, Requests: 0, BilledMicros: 0 })
        {
            throw Error("give at least one non-zero delta: --input-tokens, --output-tokens, --requests or --billed-micros");
        }

        return new ProposeCorrectionRequest { Correction = input };
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var request = Bind(parse);
        var format = _format.Get(parse);
        var correction = (await context.Settlement.Corrections.ProposeCorrectionAsync(request, cancellationToken)).Correction;
        if (format != ExportFormat.Table)
        {
            CorrectionRenderer.Write(context.Output, [correction], format);
            return ExitCodes.Ok;
        }

        context.Out.WriteLine(correction.State == CorrectionState.Proposed ? "Proposed:" : "Recorded:");
        CorrectionRenderer.WriteDetails(context.Output, correction);
        if (correction.State == CorrectionState.Proposed)
        {
            context.Out.WriteLine($"It counts once approved: 'metering corrections approve {correction.CorrectionId}' (BILLING or ADMIN key).");
        }

        return ExitCodes.Ok;
    }

    private static Option<long> Delta(string name, string description)
        => CliOptions.Single(name, "n", description + "; default 0", Values.SignedLong);
}
