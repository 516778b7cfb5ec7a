using Grpc.Core;
using Grpc.Testing;

namespace Metering.Benchmarks;

/// <summary>grpc.testing.BenchmarkService on grpc-dotnet: trivial methods whose cost is the transport's alone.</summary>
internal sealed class BenchmarkServiceImpl : BenchmarkService.BenchmarkServiceBase
{
    private static readonly SimpleResponse Empty = new();
    private long _streamedMessages;

    public long StreamedMessages => Interlocked.Read(ref _streamedMessages);

    public override Task<SimpleResponse> UnaryCall(SimpleRequest request, ServerCallContext context) => Task.FromResult(Empty);

    public override async Task<SimpleResponse> StreamingFromClient(IAsyncStreamReader<SimpleRequest> requestStream, ServerCallContext context)
    {
        long count = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
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
}
