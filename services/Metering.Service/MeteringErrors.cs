using System.Globalization;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Domain.Ingest;
using Metering.Service.Ingest;
using Metering.ServiceDefaults;
using StackExchange.Redis;

namespace Metering.Service;

/// <summary>
/// The one place where the metering service turns refusals and failures of its application code into gRPC statuses
/// (the handler edge): rich statuses from <see cref="RpcErrors"/>, UNAVAILABLE for a store that did not answer.
/// </summary>
internal static class MeteringErrors
{
    /// <summary>What a client sees when a commit to Redis failed: nothing of the unacknowledged batches was applied.</summary>
    public const string CommitFailedMessage = "The counter store is unavailable; nothing of the unacknowledged batches was acknowledged. Retry.";

    /// <summary>
    /// Runs <paramref name="call"/>, mapping <see cref="StoreUnavailableException"/> and a Redis that does not answer to
    /// UNAVAILABLE (database failures are mapped by the store-failure interceptor of every call).
    /// </summary>
    public static async Task<T> MapAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StoreUnavailableException ex)
        {
            throw Unavailable(ex.Message);
        }
        catch (RedisException)
        {
            throw Unavailable("The counter store did not answer; retry.");
        }
    }

    /// <summary>UNAVAILABLE for a failed store; an <see cref="RpcException"/> passes through unchanged.</summary>
    public static RpcException ToRpc(Exception exception) => exception switch
    {
        RpcException rpc => rpc,
        StoreUnavailableException store => Unavailable(store.Message),
        _ => Unavailable(CommitFailedMessage),
    };

    /// <summary>
    /// The status a stream ends with after a failure while reading: an <see cref="RpcException"/> as it is, a store
    /// failure as UNAVAILABLE, a request message that does not parse (grpc-dotnet surfaces its protobuf or framing
    /// error from <c>MoveNext</c>) as INTERNAL, as gRPC prescribes for unparseable messages; anything else as it is
    /// (grpc-dotnet then reports UNKNOWN without its message).
    /// </summary>
    public static Exception ToRpcOrSelf(Exception exception) => exception switch
    {
        RpcException or OperationCanceledException => exception,
        StoreUnavailableException store => Unavailable(store.Message),
        MalformedMessageException or InvalidProtocolBufferException or InvalidDataException => RpcErrors.Plain(Grpc.Core.StatusCode.Internal, "The request message could not be parsed: " + exception.Message),
        _ => exception,
    };

    public static RpcException Unavailable(string message) => RpcErrors.Plain(Grpc.Core.StatusCode.Unavailable, message);

    /// <summary>FAILED_PRECONDITION for a sequence gap, with ErrorInfo SEQUENCE_GAP naming the expected sequence.</summary>
    public static RpcException SequenceGap(ulong sequence, ulong expected)
        => RpcErrors.WithErrorInfo(
            Grpc.Core.StatusCode.FailedPrecondition,
            string.Create(CultureInfo.InvariantCulture, $"sequence {sequence} is out of order: expected sequence {expected}"),
            "SEQUENCE_GAP",
            new Dictionary<string, string> { ["expected_sequence"] = expected.ToString(CultureInfo.InvariantCulture) });

    /// <summary>
    /// ABORTED, with ErrorInfo RECEIPT_CHAIN_CONFLICT, for a batch chained to a head the producer no longer has (another
    /// stream of the producer moved it, or an earlier batch of this stream was refused for overflow): nothing of it was
    /// applied; the producer reconnects and resends it, chained to the stored head.
    /// </summary>
    public static RpcException ReceiptChainConflict(ulong sequence)
        => RpcErrors.WithErrorInfo(
            Grpc.Core.StatusCode.Aborted,
            string.Create(CultureInfo.InvariantCulture, $"sequence {sequence} was not applied: the producer's receipt chain moved on outside this stream (another stream of the producer, or a batch refused for overflow); reconnect and resend"),
            "RECEIPT_CHAIN_CONFLICT",
            new Dictionary<string, string> { ["sequence"] = sequence.ToString(CultureInfo.InvariantCulture) });

    /// <summary>ALREADY_EXISTS for an idempotency key accepted before with other records.</summary>
    public static RpcException IdempotencyKeyReused()
        => RpcErrors.WithFieldViolations(
            Grpc.Core.StatusCode.AlreadyExists,
            "idempotency_key was already accepted with different records",
            [new BadRequest.Types.FieldViolation { Field = "idempotency_key", Reason = "IDEMPOTENCY_KEY_REUSED", Description = "this key was already accepted with different records within the dedup window" }]);

    /// <summary>The violation of a batch that would push an hourly counter total past the safe limit.</summary>
    public static FieldViolation CounterOverflow() => new()
    {
        Field = "records",
        Reason = ViolationReasons.CounterTotalOverflow,
        Description = "the batch would push an hourly counter total past 4*10^18",
    };

    /// <summary>The violations of a REJECTED batch as its ack lists them.</summary>
    public static IEnumerable<FieldViolation> ToWire(List<Violation> violations)
        => violations.Select(v => new FieldViolation { Field = v.Field, Reason = v.Reason, Description = v.Description });
}
