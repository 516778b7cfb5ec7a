using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering corrections list [--host H] [--period P] [--state proposed|approved|declined] [--limit N]</c>:
/// CorrectionService.ListCorrections, page after page up to the limit.
/// </summary>
internal sealed class CorrectionsListCommand : CliCommand
{
    private const int MaxLimit = 100_000;

    private readonly Option<string> _host;
    private readonly Option<string> _period;
    private readonly ChoiceOption<CorrectionState> _state;
    private readonly Option<int> _limit;
    private readonly ChoiceOption<ExportFormat> _format;

    public CorrectionsListCommand()
        : base("corrections list", "list corrections by period, then proposal time (any key; HOST keys see their own host)")
    {
        _host = Add(CliOptions.Text("--host", "host-id", "only this host's corrections"));
        _period = Add(CliOptions.Month("--period", "only corrections of this month"));
        _state = Add(new ChoiceOption<CorrectionState>("--state", "only corrections in this state", Choices.CorrectionStates));
        _limit = Add(CliOptions.PositiveInt("--limit", "n", "print at most this many corrections (the first in order)", 100, MaxLimit));
        _format = Add(CliOptions.Format());
        Details = """
            Corrections are listed by period, then the time they were proposed. The deltas are signed: what the
            correction adds to (or, negative, subtracts from) the counted usage of its hours. Only APPROVED ones count.
            """;
        Examples =
        [
            "metering corrections list --state proposed",
            "metering corrections list --host aws --period 2026-10 --format csv > aws-corrections.csv",
        ];
        Target = ServiceTarget.Settlement;
    }

    public (ListCorrectionsRequest Request, int Limit, ExportFormat Format) Bind(ParseResult parse)
    {
        var limit = parse.GetValue(_limit);
        var request = new ListCorrectionsRequest
        {
            HostId = parse.GetValue(_host) ?? string.Empty,
            Period = parse.GetValue(_period) ?? string.Empty,
            State = _state.Get(parse, CorrectionState.Unspecified),
            PageSize = Math.Min(limit, 1000),
        };
        return (request, limit, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (request, limit, format) = Bind(parse);
        var corrections = await ListAsync(context, request, limit, cancellationToken);
        CorrectionRenderer.Write(context.Output, corrections, format);
        return ExitCodes.Ok;
    }

    /// <summary>The first <paramref name="limit"/> corrections of a query, page after page.</summary>
    public static Task<List<Correction>> ListAsync(CliContext context, ListCorrectionsRequest request, int limit, CancellationToken cancellationToken)
        => Paging.TakeAsync<Correction>(limit, async token =>
        {
            request.PageToken = token;
            var page = await context.Settlement.Corrections.ListCorrectionsAsync(request, cancellationToken);
            return (page.Corrections, page.NextPageToken);
        });
}
