using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Testing;

namespace Metering.Tests.Infrastructure;

/// <summary>The generated clients of the metering API on a channel, and call helpers of these tests.</summary>
public static class Rpc
{
    public static IngestService.IngestServiceClient Ingest(this GrpcChannel channel) => new(channel);

    public static UsageService.UsageServiceClient Usage(this GrpcChannel channel) => new(channel);

    public static AdminService.AdminServiceClient Admin(this GrpcChannel channel) => new(channel);

    /// <summary>Call options carrying <c>authorization: Bearer &lt;key&gt;</c>.</summary>
    public static CallOptions As(string key, CancellationToken cancellationToken = default) => Calls.As(key, cancellationToken);

    /// <summary>Creates a host and a HOST key for it; returns the key's secret.</summary>
    public static async Task<string> CreateHostWithKeyAsync(GrpcChannel channel, string hostId)
    {
        await channel.Admin().CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = hostId }, As(MeteringServiceHost.AdminKey)).ResponseAsync;
        var key = await channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, As(MeteringServiceHost.AdminKey)).ResponseAsync;
        return key.Secret;
    }

    public static async Task<string> CreateKeyAsync(GrpcChannel channel, Role role, string hostId = "")
        => (await channel.Admin().CreateApiKeyAsync(new CreateApiKeyRequest { Role = role, HostId = hostId }, As(MeteringServiceHost.AdminKey)).ResponseAsync).Secret;

    /// <summary>The totals of one host over the last 40 days, grouped by model.</summary>
    public static async Task<Dictionary<string, UsageRow>> TotalsByModelAsync(GrpcChannel channel, string key, string? hostId = null)
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        var request = new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTime(end.AddDays(-40)),
            EndTime = Timestamp.FromDateTime(end),
            GroupBy = { UsageGroupBy.Model },
            Granularity = Granularity.Total,
        };
        if (hostId is not null)
        {
            request.HostIds.Add(hostId);
        }

        var response = await channel.Usage().GetUsageAsync(request, As(key)).ResponseAsync;
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
            EventTime = Timestamp.FromDateTime(at ?? DateTime.UtcNow.AddMinutes(-1)),
        };
        if (billed is { } b)
        {
            record.BilledMicros = b;
        }

        return record;
    }
}
