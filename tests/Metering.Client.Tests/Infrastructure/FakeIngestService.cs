using System.Threading.Channels;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.ServiceDefaults;
using Microsoft.AspNetCore.Http;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>
/// metering.v1.IngestService over <see cref="IngestLedger"/>, with the authentication of the real service (HOST key
/// only) and switches to inject faults: slow acknowledgements, rejected models, streams killed after applying batches
/// whose acknowledgements are never sent, refused streams, and a gap reported where a duplicate was due.
/// The stream handler reads requests in a separate loop, so the number of batches the client has in flight is
/// observable (<see cref="MaxOutstanding"/>).
/// </summary>
public sealed class FakeIngestService : IngestService.IngestServiceBase
{
    public const string HostKey = "host-key-acme";
    public const string BillingKey = "billing-key";
    public const string Host = "acme-cloud";

    private readonly IngestLedger _ledger;
    private readonly Lock _lock = new();
    private readonly Queue<KillPlan> _kills = new();
    private readonly HashSet<HttpContext> _active = [];
    private int _streamsOpened;
    private int _maxOutstanding;
    private int _gapInsteadOfDuplicate;
    private int _interceptedCalls;

    public FakeIngestService(IngestLedger ledger) => _ledger = ledger;

    /// <summary>Delay before each message is applied and acknowledged.</summary>
    public TimeSpan AckDelay { get; set; }

    /// <summary>Batches with a record of this model are REJECTED with a MODEL_INVALID violation per such record.</summary>
    public string? RejectModel { get; set; }

    /// <summary>New streams fail at once with UNAVAILABLE (a server going away).</summary>
    public bool RefuseStreams { get; set; }

    public int StreamsOpened => Volatile.Read(ref _streamsOpened);

    /// <summary>Most messages received on one stream and not yet answered at any moment.</summary>
    public int MaxOutstanding => Volatile.Read(ref _maxOutstanding);

    public string? LastAuthorization { get; private set; }

    /// <summary>Calls that carried the header of <see cref="RecordingInterceptor"/>.</summary>
    public int InterceptedCalls => Volatile.Read(ref _interceptedCalls);

    /// <summary>Unexpected exceptions of the stream handler (anything but RpcException and cancellation).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<Exception> HandlerErrors { get; } = new();

    /// <summary>
    /// On the stream running when the plan becomes current: acknowledge <paramref name="afterAcks"/> more messages,
    /// then apply <paramref name="applyWithoutAck"/> (at least 1) without acknowledging them and kill the stream.
    /// Plans run one after the other.
    /// </summary>
    public void ScheduleKill(int afterAcks, int applyWithoutAck)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(applyWithoutAck, 1);
        lock (_lock)
        {
            _kills.Enqueue(new KillPlan(afterAcks, applyWithoutAck));
        }
    }

    /// <summary>
    /// One-shot: the next message at or below the producer's last applied sequence ends the stream with the
    /// SEQUENCE_GAP error naming the expected sequence instead of being answered DUPLICATE. An honest server does not
    /// do that for a client that resends in order; it stands for the case the client must survive anyway: the
    /// server's expected sequence above the client's oldest unacknowledged batch.
    /// </summary>
    public void AnswerNextDuplicateWithGap() => Volatile.Write(ref _gapInsteadOfDuplicate, 1);

    /// <summary>Aborts every open stream (a crashing server).</summary>
    public void KillAllStreams()
    {
        lock (_lock)
        {
            foreach (var context in _active)
            {
                context.Abort();
            }
        }
    }

    public override async Task StreamUsage(IAsyncStreamReader<StreamUsageRequest> requests, IServerStreamWriter<StreamUsageResponse> responses, ServerCallContext context)
    {
        var host = Authenticate(context);
        if (RefuseStreams)
        {
            throw RpcErrors.Plain(StatusCode.Unavailable, "The test server refuses streams.");
        }

        Interlocked.Increment(ref _streamsOpened);
        var httpContext = context.GetHttpContext();
        lock (_lock)
        {
            _active.Add(httpContext);
        }

        var inbox = Channel.CreateUnbounded<StreamUsageRequest>();
        var outstanding = 0;

        // The pump must have stopped reading before the handler returns: Kestrel reuses the stream's request body
        // for a later request, and a read left pending would collide with that request's reads.
        using var stopPump = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var pump = PumpAsync();
        try
        {
            string? producer = null;
            await foreach (var request in inbox.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (request.ProducerId.Length == 0 || (producer is not null && producer != request.ProducerId))
                {
                    throw RpcErrors.InvalidField("producer_id", "must be set and the same on every message of a stream");
                }

                producer = request.ProducerId;
                if (request.Sequence == 0)
                {
                    throw RpcErrors.InvalidField("sequence", "must be at least 1");
                }

                if (AckDelay > TimeSpan.Zero)
                {
                    await Task.Delay(AckDelay, context.CancellationToken);
                }

                var gapInstead = Volatile.Read(ref _gapInsteadOfDuplicate) == 1;
                var ack = _ledger.Apply(host, request, r => r.Model == RejectModel, gapInstead, out var expected);
                if (ack is null)
                {
                    if (gapInstead)
                    {
                        Volatile.Write(ref _gapInsteadOfDuplicate, 0);
                    }

                    throw IngestStatuses.SequenceGap(request.Sequence, expected);
                }

                Interlocked.Decrement(ref outstanding);
                switch (NextAckAction())
                {
                    case AckAction.Send:
                        await responses.WriteAsync(ack);
                        break;
                    case AckAction.Withhold:
                        break;
                    case AckAction.Kill:
                        httpContext.Abort();
                        return;
                }
            }
        }
        catch (Exception ex) when (ex is not RpcException && !context.CancellationToken.IsCancellationRequested)
        {
            HandlerErrors.Enqueue(ex);
            throw;
        }
        finally
        {
            await stopPump.CancelAsync();
            await pump;
            lock (_lock)
            {
                _active.Remove(httpContext);
            }
        }

        async Task PumpAsync()
        {
            try
            {
                while (await requests.MoveNext(stopPump.Token))
                {
                    var now = Interlocked.Increment(ref outstanding);
                    var max = Volatile.Read(ref _maxOutstanding);
                    while (now > max && Interlocked.CompareExchange(ref _maxOutstanding, now, max) != max)
                    {
                        max = Volatile.Read(ref _maxOutstanding);
                    }

                    inbox.Writer.TryWrite(requests.Current);
                }

                inbox.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                inbox.Writer.TryComplete(ex);
            }
        }
    }

    public override Task<ReportUsageResponse> ReportUsage(ReportUsageRequest request, ServerCallContext context)
    {
        var host = Authenticate(context);
        if (request.IdempotencyKey.Length is 0 or > 128)
        {
            throw RpcErrors.InvalidField("idempotency_key", "1 to 128 printable ASCII characters");
        }

        return Task.FromResult(_ledger.Report(host, request, r => r.Model == RejectModel));
    }

    private string Authenticate(ServerCallContext context)
    {
        var authorization = context.RequestHeaders.GetValue("authorization");
        LastAuthorization = authorization;
        if (context.RequestHeaders.GetValue(RecordingInterceptor.Header) is not null)
        {
            Interlocked.Increment(ref _interceptedCalls);
        }

        return authorization switch
        {
            "Bearer " + HostKey => Host,
            "Bearer " + BillingKey => throw RpcErrors.Plain(StatusCode.PermissionDenied, "A BILLING key cannot ingest usage."),
            _ => throw IngestStatuses.Unauthenticated(),
        };
    }

    private AckAction NextAckAction()
    {
        lock (_lock)
        {
            if (!_kills.TryPeek(out var plan))
            {
                return AckAction.Send;
            }

            if (plan.AcksSent < plan.AfterAcks)
            {
                plan.AcksSent++;
                return AckAction.Send;
            }

            plan.AppliedSilently++;
            if (plan.AppliedSilently < plan.ApplyWithoutAck)
            {
                return AckAction.Withhold;
            }

            _kills.Dequeue();
            return AckAction.Kill;
        }
    }

    private enum AckAction
    {
        Send,
        Withhold,
        Kill,
    }

    private sealed class KillPlan(int afterAcks, int applyWithoutAck)
    {
        public int AfterAcks { get; } = afterAcks;

        public int ApplyWithoutAck { get; } = applyWithoutAck;

        public int AcksSent { get; set; }

        public int AppliedSilently { get; set; }
    }
}
