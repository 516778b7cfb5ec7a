using Grpc.Core;
using Grpc.Net.Client;
using Metering.Client.Internal;

namespace Metering.Client;

/// <summary>
/// Typed clients of every metering.v1 service over one channel; every call carries
/// <c>authorization: Bearer &lt;apiKey&gt;</c>. Failures surface as <see cref="RpcException"/> with the server's
/// status; field violations and error infos are in its <c>google.rpc.Status</c> (<c>GetRpcStatus()</c> of
/// Grpc.StatusProto). Thread-safe; share one per server and key.
/// </summary>
public sealed class MeteringClient : IDisposable
{
    private readonly GrpcChannel? _ownedChannel;

    /// <summary>Opens a channel to <paramref name="address"/> (<c>http://</c> for h2c, <c>https://</c> for TLS), owned by this client.</summary>
    /// <param name="address">The metering or settlement endpoint.</param>
    /// <param name="apiKey">The API key to send with every call.</param>
    /// <param name="channelOptions">Grpc.Net.Client channel settings (HTTP handler, message limits, retry policy); defaults to Grpc.Net.Client's.</param>
    public MeteringClient(string address, string apiKey, GrpcChannelOptions? channelOptions = null)
        : this(GrpcChannel.ForAddress(address, channelOptions ?? new GrpcChannelOptions()), apiKey, ownsChannel: true)
    {
    }

    /// <summary>Calls through a channel of the caller's, who keeps and disposes it.</summary>
    /// <param name="channel">The channel to call through, with the caller's own settings.</param>
    /// <param name="apiKey">The API key to send with every call.</param>
    public MeteringClient(GrpcChannel channel, string apiKey)
        : this(Invoker(channel), apiKey)
    {
    }

    /// <summary>
    /// Calls through a call invoker of the caller's: for example a channel with interceptors
    /// (<c>channel.Intercept(...)</c>), which the caller keeps and disposes.
    /// </summary>
    /// <param name="invoker">The call invoker.</param>
    /// <param name="apiKey">The API key to send with every call.</param>
    public MeteringClient(CallInvoker invoker, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        var calls = new AuthorizedCalls(invoker, apiKey);
        Admin = new AdminClient(calls);
        Usage = new UsageClient(calls);
        Ingest = new IngestClient(calls);
        Settlement = new SettlementClient(calls);
        Corrections = new CorrectionClient(calls);
    }

    private MeteringClient(GrpcChannel channel, string apiKey, bool ownsChannel)
        : this(channel.CreateCallInvoker(), apiKey)
    {
        _ownedChannel = ownsChannel ? channel : null;
    }

    /// <summary>AdminService: hosts and API keys (ADMIN keys; ListHosts also BILLING).</summary>
    public AdminClient Admin { get; }

    /// <summary>UsageService: usage totals.</summary>
    public UsageClient Usage { get; }

    /// <summary>IngestService's unary ReportUsage; gateways streaming usage should use <see cref="UsageReporter"/>.</summary>
    public IngestClient Ingest { get; }

    /// <summary>SettlementService: agreements and statements.</summary>
    public SettlementClient Settlement { get; }

    /// <summary>CorrectionService (on the settlement service): usage corrections, acknowledgements and disputes of statements.</summary>
    public CorrectionClient Corrections { get; }

    /// <summary>Disposes the channel when this client opened it.</summary>
    public void Dispose() => _ownedChannel?.Dispose();

    private static CallInvoker Invoker(GrpcChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.CreateCallInvoker();
    }
}
