using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Internal;

/// <summary>
/// The generated clients of every metering.v1 service over one <see cref="CallInvoker"/>, and the bearer credentials
/// every call carries.
/// </summary>
internal sealed class AuthorizedCalls
{
    /// <summary>The header that asks Grpc.Net.Client to gzip this call's request messages.</summary>
    private const string RequestEncodingHeader = "grpc-internal-encoding-request";

    private readonly Metadata _headers;
    private readonly Metadata _compressedHeaders;

    public AuthorizedCalls(CallInvoker invoker, string apiKey)
    {
        _headers = new Metadata { { "authorization", "Bearer " + apiKey } };
        _compressedHeaders = new Metadata { { "authorization", "Bearer " + apiKey }, { RequestEncodingHeader, "gzip" } };
        Ingest = new IngestService.IngestServiceClient(invoker);
        Usage = new UsageService.UsageServiceClient(invoker);
        Admin = new AdminService.AdminServiceClient(invoker);
        Settlement = new SettlementService.SettlementServiceClient(invoker);
        Corrections = new CorrectionService.CorrectionServiceClient(invoker);
    }

    public IngestService.IngestServiceClient Ingest { get; }

    public UsageService.UsageServiceClient Usage { get; }

    public AdminService.AdminServiceClient Admin { get; }

    public SettlementService.SettlementServiceClient Settlement { get; }

    public CorrectionService.CorrectionServiceClient Corrections { get; }

    public CallOptions Options(CancellationToken cancellationToken, bool compress = false)
        => new(headers: compress ? _compressedHeaders : _headers, cancellationToken: cancellationToken);
}
