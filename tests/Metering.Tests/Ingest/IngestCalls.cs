using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Testing;
using Metering.Tests.Infrastructure;

namespace Metering.Tests.Ingest;

/// <summary>Drives StreamUsage calls the way a pipelining gateway does: writes never wait for acks.</summary>
public static class IngestCalls
{
    /// <summary>Sends every request (without awaiting acks), half-closes, and reads every ack and the final status.</summary>
    public static async Task<StreamOutcome> StreamAsync(GrpcChannel channel, string key, IEnumerable<StreamUsageRequest> requests)
        => await StreamAsync(channel, Rpc.As(key), requests);

    public static async Task<StreamOutcome> StreamAsync(GrpcChannel channel, CallOptions options, IEnumerable<StreamUsageRequest> requests)
    {
        using var call = channel.Ingest().StreamUsage(options);
        var writer = WriteAllAsync(call.RequestStream, requests);
        var outcome = await ReadAllAsync(call.ResponseStream);
        await writer;
        return outcome;
    }

    public static async Task<StreamOutcome> ReadAllAsync(IAsyncStreamReader<StreamUsageResponse> responses)
    {
        var acks = new List<StreamUsageResponse>();
        try
        {
            while (await responses.MoveNext())
            {
                acks.Add(responses.Current);
            }

            return new StreamOutcome(acks, null);
        }
        catch (RpcException ex)
        {
            return new StreamOutcome(acks, ex);
        }
    }

    public static StreamUsageRequest Batch(string producerId, ulong sequence, params UsageRecord[] records)
        => new() { ProducerId = producerId, Sequence = sequence, Records = { records } };

    public static IReadOnlyList<Google.Rpc.BadRequest.Types.FieldViolation> FieldViolations(RpcException ex)
    {
        var details = ex.GetRpcStatus()?.Details ?? throw new InvalidOperationException($"{ex.Status} carries no grpc-status-details-bin.");
        return details.Where(d => d.Is(Google.Rpc.BadRequest.Descriptor)).SelectMany(d => d.Unpack<Google.Rpc.BadRequest>().FieldViolations).ToList();
    }

    private static async Task WriteAllAsync(IClientStreamWriter<StreamUsageRequest> writer, IEnumerable<StreamUsageRequest> requests)
    {
        try
        {
            foreach (var request in requests)
            {
                await writer.WriteAsync(request);
            }

            await writer.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException or HttpRequestException)
        {
            // The server ended the call before taking every request; its status is what the reader reports.
        }
    }
}
