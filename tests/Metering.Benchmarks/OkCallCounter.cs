using Metering.Grpc;

namespace Metering.Benchmarks;

/// <summary>Counts calls that ended with grpc-status 0, so load tools that only see HTTP statuses are judged fairly.</summary>
internal sealed class OkCallCounter : ICallInterceptor
{
    private long _ok;
    private long _failed;

    public long Ok => Interlocked.Read(ref _ok);

    public long Failed => Interlocked.Read(ref _failed);

    public ValueTask OnCallStartingAsync(ServerCallContext context) => ValueTask.CompletedTask;

    public void OnCallCompleted(ServerCallContext context, Status status, TimeSpan elapsed)
    {
        if (status.Code == StatusCode.OK)
        {
            Interlocked.Increment(ref _ok);
        }
        else
        {
            Interlocked.Increment(ref _failed);
        }
    }
}
