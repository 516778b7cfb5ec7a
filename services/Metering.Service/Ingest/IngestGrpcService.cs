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

    /// <summary>How often a batch refused by a chain conflict is chained to the stored head and committed again.</summary>
    private const int MaxRechains = 3;

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
        ProducerChain? chain = null;
        Task<StreamUsageResponse>? previousAck = null;
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
                    chain ??= ProducerChain.FromStored(hostId, producerId, await MeteringErrors.MapAsync(() => _committer.ReadProducerStateAsync(hostId, producerId)));
                    var step = chain.Next(batch.Sequence, prepared.IsRejected, batch.RequestSha256);
                    var validated = Stopwatch.GetTimestamp();
                    IngestTrace.Step(span, "validate", validating, validated);
                    await _budget.WaitAsync(stop.Token);
                    var commit = new PendingCommit(hostId, bySequence: true, producerId, batch.Sequence.ToString(CultureInfo.InvariantCulture), prepared.Deltas, step.ChainedTo, step.StateIfApplied, step.StateIfOverflow);
                    var ack = AckWhenCommittedAsync(_committer.CommitAsync(commit), previousAck, hostId, producerId, chain, batch, prepared, step, span, validated);
                    previousAck = ack;
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

    public override async Task<ReportUsageResponse> ReportUsage(ReceivedReport report, ServerCallContext context)
    {
        var request = report.Request;
        var started = Stopwatch.GetTimestamp();
        var caller = context.GetCaller();
        var span = IngestTrace.StartBatch(IngestMetrics.Unary, caller.HostId!, request.Records.Count, started);
        try
        {
            var response = await ReportAsync(report, caller.HostId!, span, context.CancellationToken);
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

    private async Task<ReportUsageResponse> ReportAsync(ReceivedReport report, string hostId, Activity? span, CancellationToken cancellationToken)
    {
        var request = report.Request;
        var validating = Stopwatch.GetTimestamp();
        if (!IngestIdentifiers.IsValidIdempotencyKey(request.IdempotencyKey))
        {
            throw RpcErrors.InvalidField("idempotency_key", "must be 1 to 128 printable ASCII characters (0x21-0x7E)");
        }

        var records = BatchPreparer.Receive(request.Records);
        var prepared = await MeteringErrors.MapAsync(() => _finalizedPeriods.CheckAsync(hostId, records, _preparer.Prepare(records, records.Length), cancellationToken).AsTask());
        var committing = Stopwatch.GetTimestamp();
        IngestTrace.Step(span, "validate", validating, committing);
        var origin = ReceiptChain.KeyOrigin(hostId, request.IdempotencyKey);
        if (prepared.IsRejected)
        {
            return new ReportUsageResponse { Result = IngestResult.Rejected, Violations = { MeteringErrors.ToWire(prepared.Violations!) }, Receipt = KeyReceipt(origin, IngestResult.Rejected, report.RequestSha256) };
        }

        var recordsHash = RecordsHash(request);
        var commit = new PendingCommit(hostId, bySequence: false, request.IdempotencyKey, recordsHash, prepared.Deltas, string.Empty, ProducerState.FormatKey(recordsHash, report.RequestSha256), string.Empty);
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
            CommitOutcomeKind.Applied => new ReportUsageResponse { Result = IngestResult.Accepted, RecordsAccepted = prepared.RecordCount, Receipt = KeyReceipt(origin, IngestResult.Accepted, report.RequestSha256) },
            CommitOutcomeKind.Duplicate => new ReportUsageResponse
            {
                Result = IngestResult.Duplicate,
                Receipt = ProducerState.KeyRequestHash(outcome.StoredState) is { } original ? KeyReceipt(origin, IngestResult.Accepted, original) : null,
            },
            CommitOutcomeKind.CounterOverflow => new ReportUsageResponse { Result = IngestResult.Rejected, Violations = { MeteringErrors.CounterOverflow() }, Receipt = KeyReceipt(origin, IngestResult.Rejected, report.RequestSha256) },
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

    private async Task<StreamUsageResponse> AckWhenCommittedAsync(
        Task<CommitOutcome> commit, Task<StreamUsageResponse>? previousAck, string hostId, string producerId, ProducerChain chain, IngestBatch batch, PreparedBatch prepared, ChainStep step, Activity? span, long committing)
    {
        // The batch is disposed when the reading loop moves on: take what the ack needs now.
        var sequence = batch.Sequence;
        var records = batch.RecordCount;
        var received = batch.ParseStarted;
        var requestSha256 = batch.RequestSha256;
        CommitOutcome outcome;
        try
        {
            outcome = await commit;

            // A chain conflict changed nothing: chain the batch to the head observed for the batch before it (that
            // batch was decided first, the acks are in order) or else to the head the step handed back, and commit it
            // again. So is a gap: the batch before may have been refused in the same step. The stored head of a
            // sequence never changes, so the second try decides (a third covers a head that moved on; a real gap
            // stays a gap).
            for (var attempt = 1; outcome.Kind is CommitOutcomeKind.ChainConflict or CommitOutcomeKind.SequenceGap && attempt <= MaxRechains; attempt++)
            {
                if (previousAck is not null)
                {
                    // The batch before is decided (and observed) first; its failure is its own ack's.
                    await previousAck.ContinueWith(static _ => { }, TaskScheduler.Default);
                }

                var again = chain.AfterObserved(sequence, prepared.IsRejected, requestSha256);
                if (again is null)
                {
                    // Another stream of the producer decided the batches before it: chain it to the stored head (read
                    // again after a gap, which the step reports without it). Not the next one there, it goes as it is
                    // and the step says duplicate or, for a real gap, gap again.
                    var stored = outcome.Kind == CommitOutcomeKind.ChainConflict ? outcome.StoredState : await _committer.ReadProducerStateAsync(hostId, producerId);
                    if (outcome.Kind == CommitOutcomeKind.SequenceGap && ProducerChain.IsGap(hostId, producerId, stored, sequence))
                    {
                        break;
                    }

                    again = ProducerChain.Rechain(hostId, producerId, stored, sequence, prepared.IsRejected, requestSha256);
                }

                step = again;
                outcome = await _committer.CommitAsync(new PendingCommit(
                    hostId, bySequence: true, producerId, sequence.ToString(CultureInfo.InvariantCulture), prepared.Deltas, step.ChainedTo, step.StateIfApplied, step.StateIfOverflow));
            }

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
                response.Receipt = step.Applied;
                break;
            case CommitOutcomeKind.Applied:
                response.Result = IngestResult.Accepted;
                response.RecordsAccepted = prepared.RecordCount;
                response.Receipt = step.Applied;
                break;
            case CommitOutcomeKind.Duplicate:
                response.Result = IngestResult.Duplicate;
                if (ProducerState.TryParse(outcome.StoredState, out var head) && head.Sequence == sequence)
                {
                    response.Receipt = head;
                }

                break;
            case CommitOutcomeKind.CounterOverflow:
                response.Result = IngestResult.Rejected;
                response.Violations.Add(MeteringErrors.CounterOverflow());
                response.Receipt = step.Overflow;
                break;
            case CommitOutcomeKind.ChainConflict:
                throw MeteringErrors.ReceiptChainConflict(sequence);
            case CommitOutcomeKind.SequenceGap:
                _metrics.SequenceGap(hostId);
                throw MeteringErrors.SequenceGap(sequence, outcome.ExpectedSequence);
            default:
                throw RpcErrors.Plain(StatusCode.Internal, $"Unexpected ingest outcome {outcome.Kind}.");
        }

        chain.Observe(sequence, response.Receipt);
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

    private static Receipt KeyReceipt(byte[] origin, IngestResult result, byte[] requestSha256) => new()
    {
        Result = result,
        RequestSha256 = ByteString.CopyFrom(requestSha256),
        Chain = ByteString.CopyFrom(ReceiptChain.Next(origin, 0, result, requestSha256)),
    };

    private static string RecordsHash(ReportUsageRequest request)
    {
        var copy = new ReportUsageRequest { Records = { request.Records } };
        return Convert.ToHexStringLower(SHA256.HashData(copy.ToByteArray()));
    }
}
