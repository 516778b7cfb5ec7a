using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>
/// metering.v1.IngestService as this service binds it (<see cref="IngestServiceBinding"/>): the generated service base
/// with two differences: StreamUsage receives <see cref="IngestBatch"/> read straight from the request bytes instead of
/// a parsed <see cref="StreamUsageRequest"/>, and ReportUsage a <see cref="ReceivedReport"/> (the request and the hash
/// of its bytes). The wire is unchanged; reflection serves the generated descriptor.
/// </summary>
[BindServiceMethod(typeof(IngestServiceBinding), nameof(IngestServiceBinding.BindService))]
internal abstract class IngestServiceEndpoint
{
    public abstract Task StreamUsage(IAsyncStreamReader<IngestBatch> requestStream, IServerStreamWriter<StreamUsageResponse> responseStream, ServerCallContext context);

    public abstract Task<ReportUsageResponse> ReportUsage(ReceivedReport report, ServerCallContext context);
}
