using System.Collections.Concurrent;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>
/// metering.v1.IngestService that ends the first stream of every API key with a status while the client is still
/// writing: it reads <c>readBeforeEnding</c> messages without answering any, stops reading and throws the status
/// <c>ending</c> builds (as the real service does for a sequence gap or a key revoked mid-stream). Every later stream
/// of the key is answered honestly: each message ACCEPTED, in order, its sequence recorded.
/// </summary>
public sealed class StreamEndingIngestService(int readBeforeEnding, Func<RpcException> ending) : IngestService.IngestServiceBase
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<ulong>> _afterTheEnd = new(StringComparer.Ordinal);

    /// <summary>The sequences the later streams of <paramref name="apiKey"/> received, in order.</summary>
    public IReadOnlyList<ulong> SequencesAfterTheEnd(string apiKey)
        => _afterTheEnd.TryGetValue("Bearer " + apiKey, out var sequences) ? [.. sequences] : [];

    public override async Task StreamUsage(IAsyncStreamReader<StreamUsageRequest> requestStream, IServerStreamWriter<StreamUsageResponse> responseStream, ServerCallContext context)
    {
        var key = context.RequestHeaders.GetValue("authorization") ?? string.Empty;
        if (_afterTheEnd.TryAdd(key, new ConcurrentQueue<ulong>()))
        {
            for (var read = 0; read < readBeforeEnding; read++)
            {
                if (!await requestStream.MoveNext(context.CancellationToken))
                {
                    return;
                }
            }

            throw ending();
        }

        var received = _afterTheEnd[key];
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            var request = requestStream.Current;
            received.Enqueue(request.Sequence);
            await responseStream.WriteAsync(new StreamUsageResponse { Sequence = request.Sequence, Result = IngestResult.Accepted, RecordsAccepted = request.Records.Count });
        }
    }
}
