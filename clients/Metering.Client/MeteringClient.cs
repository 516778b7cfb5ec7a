using Metering.Client.Internal;
using Metering.Grpc;

namespace Metering.Client;

/// <summary>
/// Typed clients of every metering.v1 service over one channel; every call carries
/// <c>authorization: Bearer &lt;apiKey&gt;</c>. Failures surface as <see cref="RpcException"/> with the server's
/// status (field violations in <see cref="Status.RichStatus"/>). Thread-safe; share one per server and key.
/// </summary>
public sealed class MeteringClient : IDisposable
{
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>Opens a channel to <paramref name="address"/> (<c>http://</c> for h2c, <c>https://</c> for TLS), owned by this client.</summary>
    /// <param name="address">The metering or settlement endpoint.</param>
    /// <param name="apiKey">The API key to send with every call.</param>
    /// <param name="channelOptions">Channel settings (TLS handler, message limits); defaults to the runtime's.</param>
    public MeteringClient(string address, string apiKey, GrpcChannelOptions? channelOptions = null)
        : this(GrpcChannel.ForAddress(address, channelOptions), apiKey, ownsChannel: true)
    {
    }

    /// <summary>Uses an existing channel, which the caller keeps and disposes.</summary>
    /// <param name="channel">The channel to call through.</param>
    /// <param name="apiKey">The API key to send with every call.</param>
    public MeteringClient(GrpcChannel channel, string apiKey)
        : this(channel, apiKey, ownsChannel: false)
    {
    }

    private MeteringClient(GrpcChannel channel, string apiKey, bool ownsChannel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        _ownedChannel = ownsChannel ? channel : null;
        var calls = new AuthorizedCalls(channel, apiKey);
        Admin = new AdminClient(calls);
        Usage = new UsageClient(calls);
        Ingest = new IngestClient(calls);
        Settlement = new SettlementClient(calls);
    }

    /// <summary>AdminService: hosts and API keys (ADMIN keys; ListHosts also BILLING).</summary>
    public AdminClient Admin { get; }

    /// <summary>UsageService: usage totals.</summary>
    public UsageClient Usage { get; }

    /// <summary>IngestService's unary ReportUsage; gateways streaming usage should use <see cref="UsageReporter"/>.</summary>
    public IngestClient Ingest { get; }

    /// <summary>SettlementService: agreements and statements.</summary>
    public SettlementClient Settlement { get; }

    /// <summary>Disposes the channel when this client opened it.</summary>
    public void Dispose() => _ownedChannel?.Dispose();
}
