using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Testing;

namespace Metering.Tests.Interop;

/// <summary>A setup step the interop fixtures share: a new host with a HOST key.</summary>
internal static class InteropHosts
{
    /// <summary>Creates a host through AdminService (bootstrap ADMIN key) and issues a HOST key for it.</summary>
    public static async Task<(string HostId, string Key)> CreateHostAsync(GrpcChannel channel)
    {
        var hostId = "interop-" + Guid.NewGuid().ToString("N")[..12];
        var admin = new AdminService.AdminServiceClient(channel);
        var options = Calls.As(MeteringServiceHost.AdminKey);
        await admin.CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = "Interop " + hostId }, options);
        var key = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId, Description = "interop" }, options);
        return (hostId, key.Secret);
    }
}
