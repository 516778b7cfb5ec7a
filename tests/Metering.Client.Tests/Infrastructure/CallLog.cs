using System.Collections.Concurrent;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>
/// Every call the fake admin, usage and settlement services received: the RPC, its authorization header, and whether
/// it carried the header of <see cref="RecordingInterceptor"/>.
/// </summary>
public sealed class CallLog
{
    public const string BillingKey = "billing-key-for-clients";

    public ConcurrentQueue<(string Method, string? Authorization, bool Intercepted)> Calls { get; } = new();

    public ConcurrentQueue<GetUsageRequest> UsageRequests { get; } = new();

    public void Authorize(ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        Calls.Enqueue((context.Method, authorization, context.RequestHeaders.GetValue(RecordingInterceptor.Header) is not null));
        if (authorization != "Bearer " + BillingKey)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Missing or unknown API key."));
        }
    }
}
