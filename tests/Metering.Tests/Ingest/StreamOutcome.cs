using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Metering.Tests.Ingest;

/// <summary>What a StreamUsage call answered: its acks in order and the error that ended it (null for OK).</summary>
public sealed record StreamOutcome(List<StreamUsageResponse> Acks, RpcException? Error)
{
    public StatusCode Status => Error?.StatusCode ?? StatusCode.OK;

    public IEnumerable<StreamUsageResponse> Accepted => Acks.Where(a => a.Result == IngestResult.Accepted);

    /// <summary>The single field violation of the google.rpc.BadRequest in the error's details.</summary>
    public Google.Rpc.BadRequest.Types.FieldViolation SingleFieldViolation()
        => IngestCalls.FieldViolations(Error ?? throw new InvalidOperationException("The stream ended with OK.")).Single();
}
