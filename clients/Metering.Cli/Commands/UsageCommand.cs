using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering usage --from ... --to ...</c>: UsageService.GetUsage, every page.</summary>
internal sealed class UsageCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("usage", "usage totals for a time range, grouped and bucketed (any key; HOST keys see their own host)")
    {
        Description = """
            Totals include everything acknowledged so far, flushed to PostgreSQL or still in Redis, each record once.
            Times are UTC and must be whole hours (usage is counted per hour): --from 2026-11 means 2026-11-01T00:00Z.
            The range is half-open: [--from, --to).
            """,
        Options =
        [
            new("--from", "time", "start, inclusive: 2026-11-01, 2026-11 or 2026-11-01T08:00Z", Required: true),
            new("--to", "time", "end, exclusive, in the same forms", Required: true),
            new("--host", "host-id", "only these hosts (comma-separated or repeated)", Repeatable: true),
            new("--model", "model", "only these models, exact names (comma-separated or repeated)", Repeatable: true),
            new("--by", "host,model", "group rows by host and/or model; default: one row per bucket", Repeatable: true),
            new("--granularity", "hour|day|month|total", "bucket width; default total"),
            new("--format", "table|csv|json", "output format; default table"),
        ],
        Examples =
        [
            "metering usage --from 2026-11-01 --to 2026-12-01 --by host,model",
            "metering usage --from 2026-11 --to 2026-12 --host aws --granularity day --format csv > aws-november.csv",
        ],
    };

    public static UsageQuery Bind(ParsedCommand args)
    {
        var from = Values.Hour(args, "--from", args.Required("--from"));
        var to = Values.Hour(args, "--to", args.Required("--to"));
        if (to <= from)
        {
            throw args.Error($"--to ({to:yyyy-MM-ddTHH:mm}Z) must be after --from ({from:yyyy-MM-ddTHH:mm}Z)");
        }

        var request = new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTimeOffset(from),
            EndTime = Timestamp.FromDateTimeOffset(to),
            Granularity = args.Choice("--granularity", Choices.Granularities, Granularity.Total),
            PageSize = 10_000,
        };
        request.HostIds.AddRange(args.Values("--host", splitCommas: true).Distinct(StringComparer.Ordinal));
        request.Models.AddRange(args.Values("--model", splitCommas: true).Distinct(StringComparer.Ordinal));
        foreach (var by in args.Values("--by", splitCommas: true))
        {
            var dimension = args.ParseChoice("--by", by, Choices.GroupBy);
            if (request.GroupBy.Contains(dimension))
            {
                throw args.Error($"--by names '{by}' twice");
            }

            request.GroupBy.Add(dimension);
        }

        return new UsageQuery(request, args.Choice("--format", Choices.TableCsvJson, ExportFormat.Table));
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var query = Bind(args);
        var rows = new List<UsageRow>();
        await foreach (var row in context.Metering.Usage.GetAllUsageAsync(query.Request, cancellationToken))
        {
            rows.Add(row);
        }

        UsageWriter.Write(context.Out, rows, query.Request.GroupBy, query.Request.Granularity, query.Format);
        return ExitCodes.Ok;
    }
}
