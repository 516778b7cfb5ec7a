using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>One service for the whole role matrix: two hosts with a February statement each, and a key per role.</summary>
public sealed class RoleMatrixFixture : IAsyncLifetime
{
    public const string OwnHost = "uniform";
    public const string OtherHost = "victor";

    private GrpcChannel _channel = null!;

    public SettlementServiceHost Service { get; private set; } = null!;

    public SettlementService.SettlementServiceClient Client { get; private set; } = null!;

    public Dictionary<string, string> Keys { get; } = [];

    public string OwnStatementId { get; private set; } = string.Empty;

    public string OtherStatementId { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Service = await SettlementServiceHost.StartAsync(SettlementTestBase.Now);
        _channel = Service.CreateChannel();
        Client = new SettlementService.SettlementServiceClient(_channel);
        Keys["host"] = await Service.CreateHostAsync(OwnHost);
        await Service.CreateHostAsync(OtherHost);
        Keys["billing"] = await Service.CreateKeyAsync("BILLING");
        Keys["admin"] = await Service.CreateKeyAsync("ADMIN");
        foreach (var host in new[] { OwnHost, OtherHost })
        {
            await Client.UpsertAsync(Agreements.Reported(host, "2025-01", "USD", "", ("0", "10")));
            await Service.AddUsageAsync(host, "m", new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc), requests: 1, billedMicros: 1_000_000);
        }

        OwnStatementId = (await Client.RunOneAsync("2025-02", OwnHost)).StatementId;
        OtherStatementId = (await Client.RunOneAsync("2025-02", OtherHost)).StatementId;
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await Service.DisposeAsync();
    }
}
