using Google.Protobuf;
using Metering.Contracts.V1;
using Metering.Grpc;

namespace Metering.Tests.Infrastructure;

/// <summary>Method handles of the metering API, built from the generated descriptors, and call helpers.</summary>
public static class Rpc
{
    public static readonly Method<StreamUsageRequest, StreamUsageResponse> StreamUsage = Make<StreamUsageRequest, StreamUsageResponse>(IngestReflection.Descriptor.Services[0], "StreamUsage");
    public static readonly Method<ReportUsageRequest, ReportUsageResponse> ReportUsage = Make<ReportUsageRequest, ReportUsageResponse>(IngestReflection.Descriptor.Services[0], "ReportUsage");
    public static readonly Method<GetUsageRequest, GetUsageResponse> GetUsage = Make<GetUsageRequest, GetUsageResponse>(UsageServiceReflection.Descriptor.Services[0], "GetUsage");
    public static readonly Method<CreateHostRequest, CreateHostResponse> CreateHost = Make<CreateHostRequest, CreateHostResponse>(AdminReflection.Descriptor.Services[0], "CreateHost");
    public static readonly Method<ListHostsRequest, ListHostsResponse> ListHosts = Make<ListHostsRequest, ListHostsResponse>(AdminReflection.Descriptor.Services[0], "ListHosts");
    public static readonly Method<CreateApiKeyRequest, CreateApiKeyResponse> CreateApiKey = Make<CreateApiKeyRequest, CreateApiKeyResponse>(AdminReflection.Descriptor.Services[0], "CreateApiKey");
    public static readonly Method<RevokeApiKeyRequest, RevokeApiKeyResponse> RevokeApiKey = Make<RevokeApiKeyRequest, RevokeApiKeyResponse>(AdminReflection.Descriptor.Services[0], "RevokeApiKey");

    public static CallOptions As(string key, CancellationToken cancellationToken = default)
        => new() { Headers = new Metadata { { "authorization", "Bearer " + key } }, CancellationToken = cancellationToken };

    /// <summary>Creates a host and a HOST key for it; returns the key's secret.</summary>
    public static async Task<string> CreateHostWithKeyAsync(GrpcChannel channel, string hostId)
    {
        await channel.UnaryAsync(CreateHost, new CreateHostRequest { HostId = hostId, DisplayName = hostId }, As(MeteringServiceHost.AdminKey));
        var key = await channel.UnaryAsync(CreateApiKey, new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, As(MeteringServiceHost.AdminKey));
        return key.Secret;
    }

    public static async Task<string> CreateKeyAsync(GrpcChannel channel, Role role, string hostId = "")
        => (await channel.UnaryAsync(CreateApiKey, new CreateApiKeyRequest { Role = role, HostId = hostId }, As(MeteringServiceHost.AdminKey))).Secret;

    /// <summary>The totals of one host over the last 40 days, grouped by model.</summary>
    public static async Task<Dictionary<string, UsageRow>> TotalsByModelAsync(GrpcChannel channel, string key, string? hostId = null)
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        var request = new GetUsageRequest
        {
            StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(end.AddDays(-40)),
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(end),
            GroupBy = { UsageGroupBy.Model },
            Granularity = Granularity.Total,
        };
        if (hostId is not null)
        {
            request.HostIds.Add(hostId);
        }

        var response = await channel.UnaryAsync(GetUsage, request, As(key));
        return response.Rows.ToDictionary(r => r.Model);
    }

    public static UsageRecord Record(string model, long input, long output = 0, long requests = 1, DateTime? at = null, long? billed = null)
    {
        var record = new UsageRecord
        {
            Model = model,
            InputTokens = input,
            OutputTokens = output,
            Requests = requests,
            EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(at ?? DateTime.UtcNow.AddMinutes(-1)),
        };
        if (billed is { } b)
        {
            record.BilledMicros = b;
        }

        return record;
    }

    private static Method<TRequest, TResponse> Make<TRequest, TResponse>(Google.Protobuf.Reflection.ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
        => Method<TRequest, TResponse>.FromDescriptor(service.FindMethodByName(name), new MessageParser<TRequest>(() => new TRequest()), new MessageParser<TResponse>(() => new TResponse()));
}
