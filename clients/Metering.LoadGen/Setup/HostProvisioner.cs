using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.LoadGen.Rpc;

namespace Metering.LoadGen.Setup;

/// <summary>
/// Creates this run's hosts (lg-&lt;run&gt;-aws, lg-&lt;run&gt;-azure, ...; unique per run so runs never mix) and one HOST
/// key per stream, with the ADMIN key.
/// </summary>
internal static class HostProvisioner
{
    private static readonly string[] Providers =
    [
        "aws", "azure", "groq", "databricks", "gcp", "together", "fireworks", "oci", "nebius", "cerebras", "deepinfra", "replicate",
    ];

    public static string HostName(string runId, int index)
        => $"lg-{runId}-{Providers[index % Providers.Length]}" + (index < Providers.Length ? string.Empty : $"-{(index / Providers.Length) + 1}");

    public static async Task<(IReadOnlyList<string> Hosts, IReadOnlyList<ProvisionedStream> Streams)> ProvisionAsync(
        GrpcChannel channel, string adminKey, string runId, int hosts, int streams, CancellationToken cancellationToken)
    {
        var admin = MeteringMethods.Bearer(adminKey);
        var client = new AdminService.AdminServiceClient(channel);
        var hostIds = new List<string>(hosts);
        for (var h = 0; h < hosts; h++)
        {
            var hostId = HostName(runId, h);
            await client.CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = $"metering-loadgen run {runId}: {hostId}" }, admin, cancellationToken: cancellationToken);
            hostIds.Add(hostId);
        }

        var provisioned = new List<ProvisionedStream>(streams);
        for (var s = 0; s < streams; s++)
        {
            var hostIndex = s % hosts;
            var key = await client.CreateApiKeyAsync(
                new CreateApiKeyRequest { Role = Role.Host, HostId = hostIds[hostIndex], Description = $"metering-loadgen run {runId} stream {s}" },
                admin,
                cancellationToken: cancellationToken);
            provisioned.Add(new ProvisionedStream(s, hostIndex, hostIds[hostIndex], key.Secret, $"loadgen-{runId}-gw-{s}"));
        }

        return (hostIds, provisioned);
    }
}
