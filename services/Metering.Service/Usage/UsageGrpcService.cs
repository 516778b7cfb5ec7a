using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Metering.Domain.Usage;
using Grpc.Core;
using Metering.ServiceDefaults;
using Metering.Security;

namespace Metering.Service.Usage;

/// <summary>metering.v1.UsageService: validates and maps the query, runs it, pages the rows.</summary>
internal sealed class UsageGrpcService : UsageService.UsageServiceBase
{
    private const int DefaultPageSize = 1000;
    private const int MaxPageSize = 10_000;

    private readonly UsageQueryService _queries;

    public UsageGrpcService(UsageQueryService queries) => _queries = queries;

    public override async Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var query = ToQuery(request, caller);
        var pageSize = PageCursor.PageSize(request.PageSize, DefaultPageSize, MaxPageSize);
        var after = ReadPageToken(request);
        var page = await MeteringErrors.MapAsync(() => _queries.QueryPageAsync(query, after, pageSize, context.CancellationToken));
        var response = new GetUsageResponse();
        foreach (var row in page.Rows)
        {
            response.Rows.Add(new UsageRow
            {
                HostId = row.HostId,
                Model = row.Model,
                BucketStart = row.BucketStart is { } start ? Timestamp.FromDateTime(start) : null,
                InputTokens = row.Counters.InputTokens,
                OutputTokens = row.Counters.OutputTokens,
                Requests = row.Counters.Requests,
                BilledMicros = row.Counters.BilledMicros,
            });
        }

        if (page.HasMore)
        {
            var last = page.Rows[^1];
            var bucket = last.BucketStart is { } b ? b.Ticks.ToString(CultureInfo.InvariantCulture) : string.Empty;
            response.NextPageToken = PageCursor.Make(request, bucket, last.HostId, last.Model);
        }

        return response;
    }

    internal static UsageQuery ToQuery(GetUsageRequest request, Caller caller)
    {
        var start = RequireHour(request.StartTime, "start_time");
        var end = RequireHour(request.EndTime, "end_time");
        if (end <= start)
        {
            throw RpcErrors.InvalidField("end_time", "must be after start_time");
        }

        var byHost = false;
        var byModel = false;
        for (var i = 0; i < request.GroupBy.Count; i++)
        {
            switch (request.GroupBy[i])
            {
                case UsageGroupBy.Host when !byHost: byHost = true; break;
                case UsageGroupBy.Model when !byModel: byModel = true; break;
                case UsageGroupBy.Host or UsageGroupBy.Model:
                    throw RpcErrors.InvalidField($"group_by[{i}]", "names a dimension twice");
                default:
                    throw RpcErrors.InvalidField($"group_by[{i}]", "must be USAGE_GROUP_BY_HOST or USAGE_GROUP_BY_MODEL");
            }
        }

        var granularity = request.Granularity switch
        {
            Granularity.Unspecified or Granularity.Total => UsageGranularity.Total,
            Granularity.Hour => UsageGranularity.Hour,
            Granularity.Day => UsageGranularity.Day,
            Granularity.Month => UsageGranularity.Month,
            _ => throw RpcErrors.InvalidField("granularity", $"unknown value {(int)request.Granularity}"),
        };

        IReadOnlySet<string>? hosts = request.HostIds.Count > 0 ? request.HostIds.ToHashSet(StringComparer.Ordinal) : null;
        if (caller.Role == CallerRole.Host)
        {
            if (hosts is not null)
            {
                foreach (var host in hosts)
                {
                    caller.EnsureCanRead(host);
                }
            }

            hosts = new HashSet<string>(StringComparer.Ordinal) { caller.HostId! };
        }

        IReadOnlySet<string>? models = request.Models.Count > 0 ? request.Models.ToHashSet(StringComparer.Ordinal) : null;
        var view = request.View switch
        {
            Contracts.V1.UsageView.Unspecified or Contracts.V1.UsageView.Corrected => Domain.Usage.UsageView.Corrected,
            Contracts.V1.UsageView.Raw => Domain.Usage.UsageView.Raw,
            Contracts.V1.UsageView.Corrections => Domain.Usage.UsageView.Corrections,
            _ => throw RpcErrors.InvalidField("view", $"unknown value {(int)request.View}"),
        };
        return new UsageQuery(start, end, hosts, models, byHost, byModel, granularity, view);
    }

    private static DateTime RequireHour(Timestamp? timestamp, string field)
    {
        if (timestamp is null)
        {
            throw RpcErrors.InvalidField(field, "is required");
        }

        if (timestamp.Nanos != 0 || timestamp.Seconds % 3600 != 0)
        {
            throw RpcErrors.InvalidField(field, "must be a whole UTC hour");
        }

        if (timestamp.Seconds < 0 || timestamp.Seconds > 253_402_300_799)
        {
            throw RpcErrors.InvalidField(field, "is out of range");
        }

        return timestamp.ToDateTime();
    }

    /// <summary>The key of the row the page follows (the previous page's last row); null for the first page.</summary>
    private static UsageRowKey? ReadPageToken(GetUsageRequest request)
    {
        if (PageCursor.Read(request, request.PageToken, 3) is not { } key)
        {
            return null;
        }

        DateTime? bucket = null;
        if (key[0].Length > 0)
        {
            if (!long.TryParse(key[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks)
            {
                throw RpcErrors.InvalidField("page_token", "is not a token of this request (send the other fields unchanged)", "INVALID_PAGE_TOKEN");
            }

            bucket = new DateTime(ticks, DateTimeKind.Utc);
        }

        return new UsageRowKey(bucket, key[1], key[2]);
    }
}
