using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// One service for the whole role matrix: two hosts with a February statement each, and a key per role. For
/// CorrectionService each host also has a FINAL December statement to acknowledge, a FINAL January statement with an
/// OPEN dispute, and an approved correction of March.
/// </summary>
public sealed class RoleMatrixFixture : IAsyncLifetime
{
    public const string OwnHost = "uniform";
    public const string OtherHost = "victor";

    /// <summary>The model and period of the corrections the matrix proposes (no usage, no statement is FINAL there).</summary>
    public const string CorrectionModel = "matrix-model";
    public const string CorrectionPeriod = "2025-03";

    private GrpcChannel _channel = null!;

    public SettlementServiceHost Service { get; private set; } = null!;

    public SettlementService.SettlementServiceClient Client { get; private set; } = null!;

    public CorrectionService.CorrectionServiceClient Corrections { get; private set; } = null!;

    public Dictionary<string, string> Keys { get; } = [];

    /// <summary>The HOST key of <see cref="OtherHost"/> (the matrix's "host" caller is of <see cref="OwnHost"/>).</summary>
    public string OtherHostKey { get; private set; } = string.Empty;

    public string OwnStatementId { get; private set; } = string.Empty;

    public string OtherStatementId { get; private set; } = string.Empty;

    /// <summary>Per host: its FINAL December statement, never disputed (the matrix acknowledges it).</summary>
    public Dictionary<string, string> AcknowledgeStatementIds { get; } = [];

    /// <summary>Per host: its FINAL January statement, never acknowledged (the matrix disputes it).</summary>
    public Dictionary<string, string> DisputeStatementIds { get; } = [];

    public async Task InitializeAsync()
    {
        Service = await SettlementServiceHost.StartAsync(SettlementTestBase.Now);
        _channel = Service.CreateChannel();
        Client = new SettlementService.SettlementServiceClient(_channel);
        Corrections = new CorrectionService.CorrectionServiceClient(_channel);
        Keys["host"] = await Service.CreateHostAsync(OwnHost);
        OtherHostKey = await Service.CreateHostAsync(OtherHost);
        Keys["billing"] = await Service.CreateKeyAsync("BILLING");
        Keys["admin"] = await Service.CreateKeyAsync("ADMIN");
        foreach (var host in new[] { OwnHost, OtherHost })
        {
            await Client.UpsertAsync(Agreements.Reported(host, "2024-12", "USD", "", ("0", "10")));
            foreach (var month in new[] { new DateTime(2024, 12, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc) })
            {
                await Service.AddUsageAsync(host, "m", month, requests: 1, billedMicros: 1_000_000);
            }

            AcknowledgeStatementIds[host] = (await Client.FinalizeAsync((await Client.RunOneAsync("2024-12", host)).StatementId)).StatementId;
            DisputeStatementIds[host] = (await Client.FinalizeAsync((await Client.RunOneAsync("2025-01", host)).StatementId)).StatementId;
            await Corrections.DisputeStatementAsync(new DisputeStatementRequest { StatementId = DisputeStatementIds[host], Message = "set up by the fixture" }, Calls.As(HostKey(host)));
            await Corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest { Correction = Correction(host) }, SettlementRpc.Admin);
        }

        OwnStatementId = (await Client.RunOneAsync("2025-02", OwnHost)).StatementId;
        OtherStatementId = (await Client.RunOneAsync("2025-02", OtherHost)).StatementId;
    }

    /// <summary>The HOST key of <paramref name="host"/>.</summary>
    public string HostKey(string host) => host == OwnHost ? Keys["host"] : OtherHostKey;

    /// <summary>A correction of <paramref name="host"/> any caller may propose again and again: it only adds.</summary>
    public static CorrectionInput Correction(string host) => new()
    {
        HostId = host,
        Model = CorrectionModel,
        Period = CorrectionPeriod,
        Requests = 1,
        ReasonCode = CorrectionReason.MissingUsage,
        Reason = "role matrix",
    };

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await Service.DisposeAsync();
    }
}
