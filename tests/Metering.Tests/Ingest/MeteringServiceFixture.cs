using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// One metering service (real Redis and PostgreSQL) shared by the tests of a class. Each test makes its own host
/// with <see cref="NewHostAsync"/>, so totals never mix between tests. Derive to change the service's settings.
/// </summary>
public class MeteringServiceFixture : IAsyncLifetime
{
    private int _hosts;

    public MeteringServiceHost Service { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>Configuration overrides of the service; none by default.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public async Task InitializeAsync()
    {
        Service = await MeteringServiceHost.StartAsync(settings: Settings);
        Channel = Service.CreateChannel();
        await OnStartedAsync();
    }

    /// <summary>Runs once the service is up: seed what the tests of the class share.</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Service.DisposeAsync();
    }

    /// <summary>Creates a host with a unique id starting with <paramref name="prefix"/> and a HOST key for it.</summary>
    public async Task<(string HostId, string Key)> NewHostAsync(string prefix)
    {
        var hostId = $"{prefix}-{Interlocked.Increment(ref _hosts)}";
        return (hostId, await Rpc.CreateHostWithKeyAsync(Channel, hostId));
    }

    /// <summary>Every counter of one host over the last 40 days (and the next 2 hours), read with the ADMIN key.</summary>
    public async Task<UsageRow> TotalsAsync(string hostId)
    {
        var now = DateTime.UtcNow;
        var end = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(2);
        var response = await Channel.Usage().GetUsageAsync(
            new GetUsageRequest
            {
                StartTime = Timestamp.FromDateTime(end.AddDays(-40)),
                EndTime = Timestamp.FromDateTime(end),
                HostIds = { hostId },
                Granularity = Granularity.Total,
            },
            Rpc.As(MeteringServiceHost.AdminKey));
        return response.Rows.Count switch
        {
            0 => new UsageRow(),
            1 => response.Rows[0],
            _ => throw new InvalidOperationException($"An ungrouped TOTAL query returned {response.Rows.Count} rows."),
        };
    }
}
