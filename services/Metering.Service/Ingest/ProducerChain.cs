using System.Globalization;
using Google.Protobuf;
using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>
/// A producer's receipt chain as one stream predicts it (docs/trust.md). The stream reads the stored head when its
/// first batch arrives, then chains each batch that should be the next one to the head before it and queues both
/// possible outcomes (applied, or refused for overflow) with the head it assumed. The Lua step stores the outcome that
/// happened with the producer's sequence, in the same atomic step, and only if the stored head is the assumed one. A
/// head moved by another stream of the producer, or a prediction broken by an overflow, is a chain conflict: the step
/// hands back the stored head, the batch is chained to it and committed again (<see cref="Rechain"/>), and the
/// prediction follows what really happened (<see cref="Observe"/>). The reading loop and the ack loop of the stream
/// both use it, hence the lock.
/// </summary>
internal sealed class ProducerChain
{
    private readonly Lock _lock = new();
    private ulong _sequence;
    private byte[] _head;
    private ulong _observedSequence;
    private byte[] _observedHead;

    private ProducerChain(ulong sequence, byte[] head)
    {
        _sequence = sequence;
        _head = head;
        _observedSequence = sequence;
        _observedHead = head;
    }

    /// <summary>The chain from the stored state: chain_0 for a new producer (or one stored before receipts existed).</summary>
    public static ProducerChain FromStored(string hostId, string producerId, string? stored)
    {
        if (ProducerState.TryParse(stored, out var receipt))
        {
            return new ProducerChain(receipt.Sequence, receipt.Chain.ToByteArray());
        }

        var sequence = stored is null ? 0UL : ulong.Parse(stored, NumberStyles.None, CultureInfo.InvariantCulture);
        return new ProducerChain(sequence, ReceiptChain.Origin(hostId, producerId));
    }

    /// <summary>
    /// The step for a batch: chained to the predicted head if it is the next sequence (and then the prediction moves
    /// on as if it applies), otherwise nothing to chain (a duplicate or a gap).
    /// </summary>
    public ChainStep Next(ulong sequence, bool rejected, byte[] requestSha256)
    {
        lock (_lock)
        {
            if (sequence != _sequence + 1)
            {
                return ChainStep.None;
            }

            var step = Step(_head, sequence, rejected, requestSha256);
            _sequence = sequence;
            _head = step.Applied!.Chain.ToByteArray();
            return step;
        }
    }

    /// <summary>
    /// The step for a batch refused by a chain conflict, chained to the head the Lua step handed back (or, with none
    /// stored, to chain_0); <see cref="ChainStep.None"/> if the batch is not the stored head's next.
    /// </summary>
    public static ChainStep Rechain(string hostId, string producerId, string? stored, ulong sequence, bool rejected, byte[] requestSha256)
    {
        var chain = FromStored(hostId, producerId, stored);
        return sequence == chain._sequence + 1 ? Step(chain._head, sequence, rejected, requestSha256) : ChainStep.None;
    }

    /// <summary>Whether <paramref name="sequence"/> is beyond the next one after the stored state: a real gap.</summary>
    public static bool IsGap(string hostId, string producerId, string? stored, ulong sequence)
        => sequence > FromStored(hostId, producerId, stored)._sequence + 1;

    /// <summary>
    /// What the step decided for batch <paramref name="sequence"/> (the ack loop calls this in sequence order), whose
    /// receipt is <paramref name="receipt"/>: it becomes the last observed head, and if that batch is the last one
    /// predicted, the prediction takes its real chain value (an overflow, or a rechained batch), so the batches read
    /// from now on are chained to it.
    /// </summary>
    public void Observe(ulong sequence, Receipt? receipt)
    {
        if (receipt is null || receipt.Sequence != sequence)
        {
            return;
        }

        lock (_lock)
        {
            _observedSequence = sequence;
            _observedHead = receipt.Chain.ToByteArray();
            if (_sequence == sequence && !receipt.Chain.Span.SequenceEqual(_head))
            {
                _head = _observedHead;
            }
        }
    }

    /// <summary>
    /// The step for batch <paramref name="sequence"/> chained to the head observed for the batch before it, or null if
    /// that batch was not observed. After a batch of this stream applied or overflowed, the next one was decided in the
    /// same Lua step on a wrong assumption when it comes back as a chain conflict or as a gap (the batch before it had
    /// come back as a conflict itself, so its sequence was not consumed yet); this chains it again correctly.
    /// </summary>
    public ChainStep? AfterObserved(ulong sequence, bool rejected, byte[] requestSha256)
    {
        lock (_lock)
        {
            return _observedSequence + 1 == sequence ? Step(_observedHead, sequence, rejected, requestSha256) : null;
        }
    }

    private static ChainStep Step(byte[] head, ulong sequence, bool rejected, byte[] requestSha256)
    {
        var applied = Receipt(head, sequence, rejected ? IngestResult.Rejected : IngestResult.Accepted, requestSha256);
        var overflow = rejected ? applied : Receipt(head, sequence, IngestResult.Rejected, requestSha256);
        return new ChainStep(Convert.ToHexStringLower(head), ProducerState.Format(applied), ProducerState.Format(overflow), applied, overflow);
    }

    private static Receipt Receipt(byte[] head, ulong sequence, IngestResult result, byte[] requestSha256) => new()
    {
        Sequence = sequence,
        Result = result,
        RequestSha256 = ByteString.CopyFrom(requestSha256),
        Chain = ByteString.CopyFrom(ReceiptChain.Next(head, sequence, result, requestSha256)),
    };
}

/// <summary>What one batch takes to the Lua step and its receipt for either outcome; <see cref="None"/> when it is not the next sequence.</summary>
internal sealed record ChainStep(string ChainedTo, string StateIfApplied, string StateIfOverflow, Receipt? Applied, Receipt? Overflow)
{
    public static readonly ChainStep None = new(string.Empty, string.Empty, string.Empty, null, null);
}

/// <summary>
/// The stored forms (Redis) of receipts: a producer's state "&lt;sequence&gt;|&lt;result&gt;|&lt;H(request)&gt;|&lt;chain&gt;" (the
/// head's receipt, hex) and an idempotency key's "&lt;records hash&gt;|&lt;H(request)&gt;".
/// </summary>
internal static class ProducerState
{
    public static string Format(Receipt receipt)
        => string.Create(CultureInfo.InvariantCulture, $"{receipt.Sequence}|{(int)receipt.Result}|{Convert.ToHexStringLower(receipt.RequestSha256.Span)}|{Convert.ToHexStringLower(receipt.Chain.Span)}");

    /// <summary>The head's receipt from a producer state; false for none or a bare sequence (stored before receipts).</summary>
    public static bool TryParse(string? stored, out Receipt receipt)
    {
        receipt = null!;
        var parts = stored?.Split('|');
        if (parts is not { Length: 4 })
        {
            return false;
        }

        receipt = new Receipt
        {
            Sequence = ulong.Parse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture),
            Result = (IngestResult)int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture),
            RequestSha256 = ByteString.CopyFrom(Convert.FromHexString(parts[2])),
            Chain = ByteString.CopyFrom(Convert.FromHexString(parts[3])),
        };
        return true;
    }

    /// <summary>What an idempotency key stores: the records hash it compares and the request hash of its receipt.</summary>
    public static string FormatKey(string recordsHash, byte[] requestSha256) => recordsHash + "|" + Convert.ToHexStringLower(requestSha256);

    /// <summary>The request hash stored with an idempotency key; null for a key stored before receipts.</summary>
    public static byte[]? KeyRequestHash(string? stored)
    {
        var bar = stored?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        return bar < 0 ? null : Convert.FromHexString(stored.AsSpan(bar + 1));
    }
}
