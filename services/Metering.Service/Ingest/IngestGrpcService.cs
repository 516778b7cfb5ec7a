using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Metering.Security;
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
    private readonly IngestOptions _options;

    public IngestGrpcService(BatchPreparer preparer, FinalizedPeriodGuard finalizedPeriods, RedisGroupCommitter committer, IngestBudget budget, IOptions<IngestOptions> options)
    {
        _preparer = preparer;
        _finalizedPeriods = finalizedPeriods;
        _committer = committer;
        _budget = budget;
        _options = options.Value;
    }

    public override async Task StreamUsage(IAsyncStreamReader<IngestBatch> requestStream, IServerStreamWriter<StreamUsageResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var hostId = caller.HostId!;
        var pending = Channel.CreateBounded<Task<StreamUsageResponse>>(new BoundedChannelOptions(_options.MaxInFlightBatchesPerStream) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var writer = WriteAcksAsync(pending.Reader, responseStream, stop);
        string? producerId = null;
        Exception? readError = null;
        try
        {
            while (await requestStream.MoveNext(stop.Token))
            {
                using var batch = requestStream.Current;
                if (caller.IsRevoked)
                {
                    throw RpcErrors.Plain(StatusCode.Unauthenticated, "The API key has been revoked.");
                }

                producerId = CheckProducer(batch.ProducerId, batch.Sequence, producerId);
                var prepared = await _finalizedPeriods.CheckAsync(hostId, batch.Records, _preparer.Prepare(batch.Records.Span, batch.RecordCount), stop.Token);
                await _budget.WaitAsync(stop.Token);
                var commit = new PendingCommit(hostId, bySequence: true, producerId, batch.Sequence.ToString(CultureInfo.InvariantCulture), prepared.Deltas);
                var ack = AckWhenCommittedAsync(_committer.CommitAsync(commit), batch.Sequence, prepared);
                await pending.Writer.WriteAsync(ack, stop.Token);
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
        await writer;
        if (readError is not null)
        {
            ExceptionDispatchInfo.Throw(MeteringErrors.ToRpcOrSelf(readError));
        }
    }

    public override async Task<ReportUsageResponse> ReportUsage(ReportUsageRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (!IngestIdentifiers.IsValidIdempotencyKey(request.IdempotencyKey))
        {
            throw RpcErrors.InvalidField("idempotency_key", "must be 1 to 128 printable ASCII characters (0x21-0x7E)");
        }

        var records = BatchPreparer.Receive(request.Records);
        var prepared = await MeteringErrors.MapAsync(() => _finalizedPeriods.CheckAsync(caller.HostId!, records, _preparer.Prepare(records, records.Length), context.CancellationToken).AsTask());
        if (prepared.IsRejected)
        {
            return new ReportUsageResponse { Result = IngestResult.Rejected, Violations = { MeteringErrors.ToWire(prepared.Violations!) } };
        }

        var commit = new PendingCommit(caller.HostId!, bySequence: false, request.IdempotencyKey, RecordsHash(request), prepared.Deltas);
        await _budget.WaitAsync(context.CancellationToken);
        CommitOutcome outcome;
        try
        {
            outcome = await _committer.CommitAsync(commit);
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

    private async Task<StreamUsageResponse> AckWhenCommittedAsync(Task<CommitOutcome> commit, ulong sequence, PreparedBatch prepared)
    {
        CommitOutcome outcome;
        try
        {
            outcome = await commit;
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
                throw MeteringErrors.SequenceGap(sequence, outcome.ExpectedSequence);
            default:
                throw RpcErrors.Plain(StatusCode.Internal, $"Unexpected ingest outcome {outcome.Kind}.");
        }

        return response;
    }

    private static async Task WriteAcksAsync(ChannelReader<Task<StreamUsageResponse>> pending, IServerStreamWriter<StreamUsageResponse> responses, CancellationTokenSource stop)
    {
        try
        {
            while (await pending.WaitToReadAsync(CancellationToken.None))
            {
                while (pending.TryRead(out var ack))
                {
                    await responses.WriteAsync(await ack);
                }
            }
        }
        catch
        {
            await stop.CancelAsync();
            // Let the batches already queued finish (their budget must be returned), then report the first error.
            while (pending.TryRead(out var rest))
            {
                await rest.ContinueWith(static _ => { }, TaskScheduler.Default);
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
