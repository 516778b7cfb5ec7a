using Grpc.Testing;
using Metering.Grpc;

namespace Metering.Benchmarks;

/// <summary>grpc.testing.BenchmarkService: trivial methods whose cost is the transport's alone.</summary>
internal sealed class BenchmarkServiceImpl
{
    private static readonly SimpleResponse Empty = new();
    private long _streamedMessages;

    public long StreamedMessages => Interlocked.Read(ref _streamedMessages);

    public Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context) => Task.FromResult(Empty);

    public async Task StreamingCall(IAsyncStreamReader<SimpleRequest> requests, IServerStreamWriter<SimpleResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken))
        {
            await responses.WriteAsync(Empty);
        }
    }

    public async Task<SimpleResponse> StreamingFromClient(IAsyncStreamReader<SimpleRequest> requests, ServerCallContext context)
    {
        long count = 0;
        while (await requests.MoveNext(context.CancellationToken))
        {
            count++;
            if ((count & 1023) == 0)
            {
                Interlocked.Add(ref _streamedMessages, 1024);
            }
        }

        Interlocked.Add(ref _streamedMessages, count & 1023);
        return Empty;
    }

    public async Task StreamingFromServer(SimpleRequest request, IServerStreamWriter<SimpleResponse> responses, ServerCallContext context)
    {
        while (!context.CancellationToken.IsCancellationRequested)
        {
            await responses.WriteAsync(Empty);
        }
    }

    public async Task StreamingBothWays(IAsyncStreamReader<SimpleRequest> requests, IServerStreamWriter<SimpleResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken))
        {
            await responses.WriteAsync(Empty);
        }
    }
}
