using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering disputes list [--host H] [--statement S] [--state open|resolved|rejected] [--limit N]</c>:
/// CorrectionService.ListDisputes, page after page up to the limit.
/// </summary>
internal sealed class DisputesListCommand : CliCommand
{
    private const int MaxLimit = 100_000;

    private readonly Option<string> _host;
    private readonly Option<string> _statement;
    private readonly ChoiceOption<DisputeState> _state;
    private readonly Option<int> _limit;
    private readonly ChoiceOption<ExportFormat> _format;

    public DisputesListCommand()
        : base("disputes list", "list disputes of statements, oldest first (any key; HOST keys see their own host)")
    {
        _host = Add(CliOptions.Text("--host", "host-id", "only this host's disputes"));
        _statement = Add(CliOptions.Text("--statement", "statement-id", "only disputes of this statement"));
        _state = Add(new ChoiceOption<DisputeState>("--state", "only disputes in this state", Choices.DisputeStates));
        _limit = Add(CliOptions.PositiveInt("--limit", "n", "print at most this many disputes (the oldest)", 100, MaxLimit));
        _format = Add(CliOptions.Format());
        Details = """
            Disputed lines are written as 'statements dispute --line' takes them: a model for its USAGE line,
            model@YYYY-MM for the ADJUSTMENT line correcting that month; none means the whole statement.
            """;
        Examples =
        [
            "metering disputes list --state open",
            "metering disputes list --statement st_0123456789abcdef --format json",
        ];
        Target = ServiceTarget.Settlement;
    }

    public (ListDisputesRequest Request, int Limit, ExportFormat Format) Bind(ParseResult parse)
    {
        var limit = parse.GetValue(_limit);
        var request = new ListDisputesRequest
        {
            HostId = parse.GetValue(_host) ?? string.Empty,
            StatementId = parse.GetValue(_statement) ?? string.Empty,
            State = _state.Get(parse, DisputeState.Unspecified),
            PageSize = Math.Min(limit, 1000),
        };
        return (request, limit, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (request, limit, format) = Bind(parse);
        var disputes = await ListAsync(context, request, limit, cancellationToken);
        DisputeRenderer.Write(context.Output, disputes, format);
        return ExitCodes.Ok;
    }

    /// <summary>The first <paramref name="limit"/> disputes of a query, page after page.</summary>
    public static Task<List<Dispute>> ListAsync(CliContext context, ListDisputesRequest request, int limit, CancellationToken cancellationToken)
        => Paging.TakeAsync<Dispute>(limit, async token =>
        {
            request.PageToken = token;
            var page = await context.Settlement.Corrections.ListDisputesAsync(request, cancellationToken);
            return (page.Disputes, page.NextPageToken);
        });
}
