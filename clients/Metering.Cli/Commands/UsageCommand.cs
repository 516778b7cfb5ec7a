using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering usage --from ... --to ...</c>: UsageService.GetUsage, every page.</summary>
internal sealed class UsageCommand : CliCommand
{
    private readonly Option<DateTimeOffset> _from;
    private readonly Option<DateTimeOffset> _to;
    private readonly Option<IReadOnlyList<string>> _hosts;
    private readonly Option<IReadOnlyList<string>> _models;
    private readonly Option<IReadOnlyList<UsageGroupBy>> _by;
    private readonly ChoiceOption<Granularity> _granularity;
    private readonly ChoiceOption<UsageView> _view;
    private readonly ChoiceOption<ExportFormat> _format;

    public UsageCommand()
        : base("usage", "usage totals for a time range, grouped and bucketed (any key; HOST keys see their own host)")
    {
        _from = Add(CliOptions.Single("--from", "time", "start, inclusive: 2026-11-01, 2026-11 or 2026-11-01T08:00Z", Values.Hour, required: true));
        _to = Add(CliOptions.Single("--to", "time", "end, exclusive, in the same forms", Values.Hour, required: true));
        _hosts = Add(CliOptions.Names("--host", "host-id", "only these hosts"));
        _models = Add(CliOptions.Names("--model", "model", "only these models, exact names"));
        _by = Add(CliOptions.List("--by", "host,model", "group rows by host and/or model; default: one row per bucket", (option, text) => Choices.GroupBy[Values.Choice(option, text, Choices.GroupBy.Keys)]));
        var parseBy = _by.CustomParser!;
        _by.CustomParser = result => CliOptions.Parse(result, () =>
        {
            var dimensions = parseBy(result) ?? [];
            var twice = dimensions.GroupBy(d => d).FirstOrDefault(g => g.Count() > 1);
            return twice is null ? dimensions : throw new CliUsageException($"--by names '{Choices.GroupBy.First(c => c.Value == twice.Key).Key}' twice");
        });
        _granularity = Add(new ChoiceOption<Granularity>("--granularity", "bucket width", Choices.Granularities, fallback: "total"));
        _view = Add(new ChoiceOption<UsageView>("--view", "corrected: counted usage plus approved corrections (what settlement uses; the default); raw: as ingested; corrections: the approved corrections only", Choices.UsageViews));
        _format = Add(CliOptions.Format());
        Details = """
            Totals include everything acknowledged so far, flushed to PostgreSQL or still in Redis, each record once,
            and (unless --view raw) the approved corrections ('metering corrections list'). A correction counts in a
            bucket only when its whole hour range lies in the bucket and in the queried range.
            Times are UTC and must be whole hours (usage is counted per hour): --from 2026-11 means 2026-11-01T00:00Z.
            The range is half-open: [--from, --to).
            """;
        Examples =
        [
            "metering usage --from 2026-11-01 --to 2026-12-01 --by host,model",
            "metering usage --from 2026-11 --to 2026-12 --host aws --granularity day --format csv > aws-november.csv",
            "metering usage --from 2026-10 --to 2026-11 --host aws --by model --view corrections",
        ];
    }

    public UsageQuery Bind(ParseResult parse)
    {
        var from = parse.GetRequiredValue(_from);
        var to = parse.GetRequiredValue(_to);
        if (to <= from)
        {
            throw Error($"--to ({to:yyyy-MM-ddTHH:mm}Z) must be after --from ({from:yyyy-MM-ddTHH:mm}Z)");
        }

        var request = new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTimeOffset(from),
            EndTime = Timestamp.FromDateTimeOffset(to),
            Granularity = _granularity.Get(parse),
            View = _view.Get(parse, UsageView.Unspecified),
            PageSize = 10_000,
        };
        request.HostIds.AddRange(parse.GetValue(_hosts) ?? []);
        request.Models.AddRange(parse.GetValue(_models) ?? []);
        request.GroupBy.AddRange(parse.GetValue(_by) ?? []);
        return new UsageQuery(request, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var query = Bind(parse);
        var rows = await context.ErrorView.WithStatusAsync("Reading usage...", report => ReadAllAsync(context, query.Request, report, cancellationToken));
        UsageWriter.Write(context.Output, rows, query.Request.GroupBy, query.Request.Granularity, query.Format, signed: query.Request.View == UsageView.Corrections);
        return ExitCodes.Ok;
    }

    /// <summary>Every page of the query, reporting the pages and rows read so far.</summary>
    private static async Task<List<UsageRow>> ReadAllAsync(CliContext context, GetUsageRequest request, Action<string> report, CancellationToken cancellationToken)
    {
        var rows = new List<UsageRow>();
        var page = request.Clone();
        for (var pages = 1; ; pages++)
        {
            var response = await context.Metering.Usage.GetUsageAsync(page, cancellationToken);
            rows.AddRange(response.Rows);
            report($"Reading usage: {Numbers.Count(rows.Count)} rows in {Numbers.Count(pages)} page(s)...");
            if (response.NextPageToken.Length == 0)
            {
                return rows;
            }

            page.PageToken = response.NextPageToken;
        }
    }
}
