using Metering.Grpc;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>One service for the whole role matrix: two hosts with a February statement each, and a key per role.</summary>
public sealed class RoleMatrixFixture : IAsyncLifetime
{
    public const string OwnHost = "uniform";
    public const string OtherHost = "victor";

    public SettlementServiceHost Service { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public Dictionary<string, string> Keys { get; } = [];

    public string OwnStatementId { get; private set; } = string.Empty;

    public string OtherStatementId { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Service = await SettlementServiceHost.StartAsync(SettlementTestBase.Now);
        Channel = GrpcChannel.ForAddress(Service.Address);
        Keys["host"] = await Service.CreateHostAsync(OwnHost);
        await Service.CreateHostAsync(OtherHost);
        Keys["billing"] = await Service.CreateKeyAsync("BILLING");
        Keys["admin"] = await Service.CreateKeyAsync("ADMIN");
        foreach (var host in new[] { OwnHost, OtherHost })
        {
            await Channel.UpsertAsync(Agreements.Reported(host, "2025-01", "USD", "", ("0", "10")));
            await Service.AddUsageAsync(host, "m", new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc), requests: 1, billedMicros: 1_000_000);
        }

        OwnStatementId = (await Channel.RunOneAsync("2025-02", OwnHost)).StatementId;
        OtherStatementId = (await Channel.RunOneAsync("2025-02", OtherHost)).StatementId;
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Service.DisposeAsync();
    }
}
