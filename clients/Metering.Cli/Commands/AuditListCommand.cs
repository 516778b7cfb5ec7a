using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Commands;

/// <summary>
/// <c>metering audit list [--since T] [--until T] [--action A] [--target-type T [--target-id I]] [--host H] [--actor K]
/// [--limit N]</c>: AdminService.ListAuditEvents, newest first, page after page up to the limit.
/// </summary>
internal sealed class AuditListCommand : CliCommand
{
    /// <summary>The CSV header: one row per event, the summary as its JSON text.</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
        ["event_id", "occurred_at", "actor_key_id", "actor_role", "action", "target_type", "target_id", "host_id", "summary_json"];

    private const int MaxLimit = 100_000;

    private readonly Option<DateTimeOffset?> _since;
    private readonly Option<DateTimeOffset?> _until;
    private readonly Option<string> _action;
    private readonly Option<string> _targetType;
    private readonly Option<string> _targetId;
    private readonly Option<string> _host;
    private readonly Option<string> _actor;
    private readonly Option<int> _limit;
    private readonly ChoiceOption<ExportFormat> _format;

    public AuditListCommand()
        : base("audit list", "list audit events, newest first (any key; HOST keys see the events about their own host)")
    {
        _since = Add(CliOptions.Single<DateTimeOffset?>("--since", "time", "only events at or after: 2026-11-01, 2026-11 or 2026-11-01T08:15:30Z", (option, text) => Values.Time(option, text)));
        _until = Add(CliOptions.Single<DateTimeOffset?>("--until", "time", "only events before, in the same forms", (option, text) => Values.Time(option, text)));
        _action = Add(CliOptions.Text("--action", "action", "only this action (api_key.revoke), or every action of a prefix ending with '.' (statement.)"));
        _targetType = Add(CliOptions.Text("--target-type", "type", "only events about this kind of target: host, api_key, agreement, period, statement"));
        _targetId = Add(CliOptions.Text("--target-id", "id", "only events about this target (with --target-type): a host id, key id, agreement id, statement id or YYYY-MM"));
        _host = Add(CliOptions.Text("--host", "host-id", "only events about this host"));
        _actor = Add(CliOptions.Text("--actor", "key-id", "only events made with this API key id ('bootstrap', 'scheduler' or key_...)"));
        _limit = Add(CliOptions.PositiveInt("--limit", "n", "print at most this many events (the newest)", 100, MaxLimit));
        _format = Add(CliOptions.Format());
        Details = """
            Every change made through AdminService and SettlementService is one event, written in the same
            transaction as the change: who (API key id and role), what (action), on what (target), the host it is
            about, and the state before and after as JSON (--format json or csv; the table names the fields that
            changed). Events are never updated or deleted. Times are UTC; the range is half-open: [--since, --until).
            """;
        Examples =
        [
            "metering audit list",
            "metering audit list --action api_key. --since 2026-11-01",
            "metering audit list --target-type statement --target-id st_0123456789abcdef --format json",
            "metering audit list --host aws --limit 1000 --format csv > aws-audit.csv",
        ];
    }

    public (ListAuditEventsRequest Request, int Limit, ExportFormat Format) Bind(ParseResult parse)
    {
        var since = parse.GetValue(_since);
        var until = parse.GetValue(_until);
        if (since is { } from && until is { } to && to <= from)
        {
            throw Error($"--until ({to:yyyy-MM-ddTHH:mm:ss}Z) must be after --since ({from:yyyy-MM-ddTHH:mm:ss}Z)");
        }

        var targetId = parse.GetValue(_targetId);
        var targetType = parse.GetValue(_targetType);
        if (targetId is not null && targetType is null)
        {
            throw Error("--target-id needs --target-type (e.g. --target-type statement --target-id st_...)");
        }

        var limit = parse.GetValue(_limit);
        var request = new ListAuditEventsRequest
        {
            Action = parse.GetValue(_action) ?? string.Empty,
            TargetType = targetType ?? string.Empty,
            TargetId = targetId ?? string.Empty,
            HostId = parse.GetValue(_host) ?? string.Empty,
            ActorKeyId = parse.GetValue(_actor) ?? string.Empty,
            PageSize = Math.Min(limit, 1000),
        };
        if (since is { } start)
        {
            request.StartTime = Timestamp.FromDateTimeOffset(start);
        }

        if (until is { } end)
        {
            request.EndTime = Timestamp.FromDateTimeOffset(end);
        }

        return (request, limit, _format.Get(parse));
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (request, limit, format) = Bind(parse);
        var events = await ListAsync(context, request, limit, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(context.Out, "events", events);
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(context.Out, CsvHeader);
                foreach (var e in events)
                {
                    Csv.WriteRow(context.Out, [
                        e.EventId.ToString(CultureInfo.InvariantCulture),
                        Labels.IsoTime(e.OccurredAt),
                        e.ActorKeyId,
                        ActorRole(e.ActorRole),
                        e.Action,
                        e.TargetType,
                        e.TargetId,
                        e.HostId,
                        e.SummaryJson,
                    ]);
                }

                break;
            default:
                if (events.Count == 0)
                {
                    context.Out.WriteLine("No audit events match.");
                    break;
                }

                var table = Tables.Create(
                    ("Event", Justify.Right),
                    ("Time", Justify.Left),
                    ("Actor", Justify.Left),
                    ("Action", Justify.Left),
                    ("Target", Justify.Left),
                    ("Host", Justify.Left),
                    ("Changed", Justify.Left));
                foreach (var e in events)
                {
                    table.AddTextRow(
                        e.EventId.ToString(CultureInfo.InvariantCulture),
                        Labels.Time(e.OccurredAt),
                        $"{e.ActorKeyId} ({ActorRole(e.ActorRole)})",
                        e.Action,
                        $"{e.TargetType} {e.TargetId}",
                        e.HostId,
                        Changed(e.SummaryJson));
                }

                context.Output.Write(table);
                break;
        }

        return ExitCodes.Ok;
    }

    /// <summary>The newest <paramref name="limit"/> events of a query, page after page.</summary>
    public static Task<List<AuditEvent>> ListAsync(CliContext context, ListAuditEventsRequest request, int limit, CancellationToken cancellationToken)
        => Paging.TakeAsync<AuditEvent>(limit, async token =>
        {
            request.PageToken = token;
            var page = await context.Metering.Admin.ListAuditEventsAsync(request, cancellationToken);
            return (page.Events, page.NextPageToken);
        });

    /// <summary>The role of an event's actor; the settlement schedule (no key) is SYSTEM.</summary>
    public static string ActorRole(Role role) => role == Role.Unspecified ? "SYSTEM" : Labels.Role(role);

    /// <summary>
    /// "created" for an event with no before; otherwise the top-level fields of the summary's after whose values differ
    /// from before, comma-separated.
    /// </summary>
    public static string Changed(string summaryJson)
    {
        using var summary = JsonDocument.Parse(summaryJson);
        var root = summary.RootElement;
        var hasBefore = root.TryGetProperty("before", out var before) && before.ValueKind == JsonValueKind.Object;
        var hasAfter = root.TryGetProperty("after", out var after) && after.ValueKind == JsonValueKind.Object;
        if (!hasBefore || !hasAfter)
        {
            return hasBefore ? string.Empty : "created";
        }

        var changed = new List<string>();
        foreach (var property in after.EnumerateObject())
        {
            if (!before.TryGetProperty(property.Name, out var old) || !JsonElement.DeepEquals(old, property.Value))
            {
                changed.Add(property.Name);
            }
        }

        return string.Join(", ", changed);
    }
}
