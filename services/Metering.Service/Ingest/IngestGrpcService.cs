using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Metering.Security;
using Metering.Service.Telemetry;
using Metering.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Metering.Service.Ingest;

/// <summary>
/// metering.v1.IngestService (a singleton, bound by <see cref="IngestServiceBinding"/>: stream messages arrive as
/// <see cref="IngestBatch"/> read straight from their bytes). A stream is read ahead of its acks (up to
/// <see cref="IngestOptions.MaxInFlightBatchesPerStream"/>): each batch is validated, summed per bucket and queued
/// for the group commit, and a second loop writes the acks in order as their commits complete. A full global
/// budget (<see cref="IngestBudget"/>) stops reading, so a slow Redis slows the senders.
/// </summary>
internal sealed class IngestGrpcService : IngestServiceEndpoint
{
    private readonly BatchPreparer _preparer;
    private readonly FinalizedPeriodGuard _finalizedPeriods;
    private readonly RedisGroupCommitter _committer;
    private readonly IngestBudget _budget;
    private readonly IngestMetrics _metrics;
    private readonly IAuthenticationEvents _authentication;
    private readonly IngestOptions _options;

    public IngestGrpcService(BatchPreparer preparer, FinalizedPeriodGuard finalizedPeriods, RedisGroupCommitter committer, IngestBudget budget, IngestMetrics metrics, IAuthenticationEvents authentication, IOptions<IngestOptions> options)
    {
        _preparer = preparer;
        _finalizedPeriods = finalizedPeriods;
        _committer = committer;
        _budget = budget;
        _metrics = metrics;
        _authentication = authentication;
        _options = options.Value;
    }

    public override async Task StreamUsage(IAsyncStreamReader<IngestBatch> requestStream, IServerStreamWriter<StreamUsageResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var hostId = caller.HostId!;
        var pending = Channel.CreateBounded<PendingAck>(new BoundedChannelOptions(_options.MaxInFlightBatchesPerStream) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var writer = WriteAcksAsync(pending.Reader, responseStream, stop);
        string? producerId = null;
        Exception? readError = null;
        _metrics.StreamOpened();
        try
        {
            while (await requestStream.MoveNext(stop.Token))
            {
                using var batch = requestStream.Current;
                var span = IngestTrace.StartBatch(IngestMetrics.Stream, hostId, batch.RecordCount, batch.ParseStarted);
                try
                {
                    IngestTrace.Step(span, "parse", batch.ParseStarted, batch.ParseEnded);
                    if (caller.IsRevoked)
                    {
                        _authentication.Rejected(ApiKeyRejection.Revoked);
                        throw RpcErrors.Plain(StatusCode.Unauthenticated, "The API key has been revoked.");
                    }

                    var validating = Stopwatch.GetTimestamp();
                    producerId = CheckProducer(batch.ProducerId, batch.Sequence, producerId);
                    var prepared = await _finalizedPeriods.CheckAsync(hostId, batch.Records, _preparer.Prepare(batch.Records.Span, batch.RecordCount), stop.Token);
                    var validated = Stopwatch.GetTimestamp();
                    IngestTrace.Step(span, "validate", validating, validated);
                    await _budget.WaitAsync(stop.Token);
                    var commit = new PendingCommit(hostId, bySequence: true, producerId, batch.Sequence.ToString(CultureInfo.InvariantCulture), prepared.Deltas);
                    var ack = AckWhenCommittedAsync(_committer.CommitAsync(commit), hostId, batch, prepared, span, validated);
                    await pending.Writer.WriteAsync(new PendingAck(ack, span), stop.Token);
                }
                catch (Exception ex)
                {
                    IngestTrace.End(span, result: null, ex);
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            // The ack writer failed (a gap or a Redis failure) and stopped the reading; its status is thrown below.
        }
        catch (Exception ex)
        {
            readError = ex;
        }

        pending.Writer.TryComplete();

        // Acks of the batches read before a bad message are still sent, in order; then the first error ends the call.
        try
        {
            await writer;
        }
        finally
        {
            _metrics.StreamClosed();
        }

        if (readError is not null)
        {
            ExceptionDispatchInfo.Throw(MeteringErrors.ToRpcOrSelf(readError));
        }
    }

    public override async Task<ReportUsageResponse> ReportUsage(ReportUsageRequest request, ServerCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var caller = context.GetCaller();
        var span = IngestTrace.StartBatch(IngestMetrics.Unary, caller.HostId!, request.Records.Count, started);
        try
        {
            var response = await ReportAsync(request, caller.HostId!, span, context.CancellationToken);
            _metrics.Batch(caller.HostId!, IngestMetrics.Unary, ResultName(response.Result), response.Violations.Count > 0 ? response.Violations[0].Reason : null, request.Records.Count);
            _metrics.Acked(IngestMetrics.Unary, started);
            IngestTrace.End(span, ResultName(response.Result));
            return response;
        }
        catch (Exception ex)
        {
            IngestTrace.End(span, result: null, ex);
            throw;
        }
    }

    private async Task<ReportUsageResponse> ReportAsync(ReportUsageRequest request, string hostId, Activity? span, CancellationToken cancellationToken)
    {
        var validating = Stopwatch.GetTimestamp();
        if (!IngestIdentifiers.IsValidIdempotencyKey(request.IdempotencyKey))
        {
            throw RpcErrors.InvalidField("idempotency_key", "must be 1 to 128 printable ASCII characters (0x21-0x7E)");
        }

        var records = BatchPreparer.Receive(request.Records);
        var prepared = await MeteringErrors.MapAsync(() => _finalizedPeriods.CheckAsync(hostId, records, _preparer.Prepare(records, records.Length), cancellationToken).AsTask());
        var committing = Stopwatch.GetTimestamp();
        IngestTrace.Step(span, "validate", validating, committing);
        if (prepared.IsRejected)
        {
            return new ReportUsageResponse { Result = IngestResult.Rejected, Violations = { MeteringErrors.ToWire(prepared.Violations!) } };
        }

        var commit = new PendingCommit(hostId, bySequence: false, request.IdempotencyKey, RecordsHash(request), prepared.Deltas);
        await _budget.WaitAsync(cancellationToken);
        CommitOutcome outcome;
        try
        {
            outcome = await _committer.CommitAsync(commit);
            IngestTrace.Step(span, "commit", committing, Stopwatch.GetTimestamp());
        }
        catch (Exception ex)
        {
            throw MeteringErrors.ToRpc(ex);
        }
        finally
        {
            _budget.Release();
        }

        return outcome.Kind switch
        {
            CommitOutcomeKind.Applied => new ReportUsageResponse { Result = IngestResult.Accepted, RecordsAccepted = prepared.RecordCount },
            CommitOutcomeKind.Duplicate => new ReportUsageResponse { Result = IngestResult.Duplicate },
            CommitOutcomeKind.CounterOverflow => new ReportUsageResponse { Result = IngestResult.Rejected, Violations = { MeteringErrors.CounterOverflow() } },
            CommitOutcomeKind.KeyReusedWithDifferentRecords => throw MeteringErrors.IdempotencyKeyReused(),
            _ => throw RpcErrors.Plain(StatusCode.Internal, $"Unexpected ingest outcome {outcome.Kind}."),
        };
    }

    private static string CheckProducer(string requestProducerId, ulong sequence, string? producerId)
    {
        if (producerId is null)
        {
            if (!IngestIdentifiers.IsValidProducerId(requestProducerId))
            {
                throw RpcErrors.InvalidField("producer_id", "must be 1 to 128 characters of [A-Za-z0-9._:/-]");
            }

            producerId = requestProducerId;
        }
        else if (!string.Equals(producerId, requestProducerId, StringComparison.Ordinal))
        {
            throw RpcErrors.InvalidField("producer_id", $"changed within the stream from '{producerId}' to '{requestProducerId}'");
        }

        if (sequence == 0)
        {
            throw RpcErrors.InvalidField("sequence", "must start at 1; 0 is invalid");
        }

        return producerId;
    }

    /// <summary>A batch's ack once its commit completes, and the batch's span (null when no trace exporter listens).</summary>
    private readonly record struct PendingAck(Task<StreamUsageResponse> Ack, Activity? Span);

    private async Task<StreamUsageResponse> AckWhenCommittedAsync(Task<CommitOutcome> commit, string hostId, IngestBatch batch, PreparedBatch prepared, Activity? span, long committing)
    {
        // The batch is disposed when the reading loop moves on: take what the ack needs now.
        var sequence = batch.Sequence;
        var records = batch.RecordCount;
        var received = batch.ParseStarted;
        CommitOutcome outcome;
        try
        {
            outcome = await commit;
            IngestTrace.Step(span, "commit", committing, Stopwatch.GetTimestamp());
        }
        catch (Exception ex)
        {
            throw MeteringErrors.ToRpc(ex);
        }
        finally
        {
            _budget.Release();
        }

        var response = new StreamUsageResponse { Sequence = sequence };
        switch (outcome.Kind)
        {
            case CommitOutcomeKind.Applied when prepared.IsRejected:
                response.Result = IngestResult.Rejected;
                response.Violations.Add(MeteringErrors.ToWire(prepared.Violations!));
                break;
            case CommitOutcomeKind.Applied:
                response.Result = IngestResult.Accepted;
                response.RecordsAccepted = prepared.RecordCount;
                break;
            case CommitOutcomeKind.Duplicate:
                response.Result = IngestResult.Duplicate;
                break;
            case CommitOutcomeKind.CounterOverflow:
                response.Result = IngestResult.Rejected;
                response.Violations.Add(MeteringErrors.CounterOverflow());
                break;
            case CommitOutcomeKind.SequenceGap:
                _metrics.SequenceGap(hostId);
                throw MeteringErrors.SequenceGap(sequence, outcome.ExpectedSequence);
            default:
                throw RpcErrors.Plain(StatusCode.Internal, $"Unexpected ingest outcome {outcome.Kind}.");
        }

        _metrics.Batch(hostId, IngestMetrics.Stream, ResultName(response.Result), response.Violations.Count > 0 ? response.Violations[0].Reason : null, records);
        _metrics.Acked(IngestMetrics.Stream, received);
        return response;
    }

    private static string ResultName(IngestResult result) => result switch
    {
        IngestResult.Accepted => "accepted",
        IngestResult.Duplicate => "duplicate",
        _ => "rejected",
    };

    private static async Task WriteAcksAsync(ChannelReader<PendingAck> pending, IServerStreamWriter<StreamUsageResponse> responses, CancellationTokenSource stop)
    {
        try
        {
            while (await pending.WaitToReadAsync(CancellationToken.None))
            {
                while (pending.TryRead(out var next))
                {
                    try
                    {
                        var ack = await next.Ack;
                        var writing = Stopwatch.GetTimestamp();
                        await responses.WriteAsync(ack);
                        IngestTrace.Step(next.Span, "ack", writing, Stopwatch.GetTimestamp());
                        IngestTrace.End(next.Span, ResultName(ack.Result));
                    }
                    catch (Exception ex)
                    {
                        IngestTrace.End(next.Span, result: null, ex);
                        throw;
                    }
                }
            }
        }
        catch
        {
            await stop.CancelAsync();
            // Let the batches already queued finish (their budget must be returned), then report the first error.
            while (pending.TryRead(out var rest))
            {
                await rest.Ack.ContinueWith(static _ => { }, TaskScheduler.Default);
                IngestTrace.End(rest.Span, result: null, new OperationCanceledException("The stream ended before this batch's ack was sent."));
            }

            throw;
        }
    }

    private static string RecordsHash(ReportUsageRequest request)
    {
        var copy = new ReportUsageRequest { Records = { request.Records } };
        return Convert.ToHexStringLower(SHA256.HashData(copy.ToByteArray()));
    }
}
