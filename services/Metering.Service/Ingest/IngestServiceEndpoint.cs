using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>
/// metering.v1.IngestService as this service binds it (<see cref="IngestServiceBinding"/>): the generated service base
/// with one difference, StreamUsage receives <see cref="IngestBatch"/> read straight from the request bytes instead of
/// a parsed <see cref="StreamUsageRequest"/>. The wire is unchanged; reflection serves the generated descriptor.
/// </summary>
[BindServiceMethod(typeof(IngestServiceBinding), nameof(IngestServiceBinding.BindService))]
internal abstract class IngestServiceEndpoint
{
    public abstract Task StreamUsage(IAsyncStreamReader<IngestBatch> requestStream, IServerStreamWriter<StreamUsageResponse> responseStream, ServerCallContext context);

    public abstract Task<ReportUsageResponse> ReportUsage(ReportUsageRequest request, ServerCallContext context);
}
