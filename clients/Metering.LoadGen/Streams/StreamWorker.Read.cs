using Metering.Contracts.V1;
using Grpc.Core;
using Metering.LoadGen.Metrics;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Streams;

/// <summary>The receiving half: acks arrive in sequence order, each frees one place in the window.</summary>
internal sealed partial class StreamWorker
{
    private async Task ReadAcksAsync(AsyncDuplexStreamingCall<EncodedStreamUsageRequest, StreamUsageResponse> call, CancellationTokenSource stop)
    {
        try
        {
            var responses = call.ResponseStream;
            ulong expected = 1;
            while (await responses.MoveNext(CancellationToken.None))
            {
                var ack = responses.Current;
                var now = Now();
                if (ack.Sequence != expected)
                {
                    throw new InvalidOperationException($"protocol violation: ack for sequence {ack.Sequence} where {expected} was next");
                }

                if ((long)expected > BatchesSent)
                {
                    throw new InvalidOperationException($"protocol violation: ack for sequence {ack.Sequence}, which was not sent yet");
                }

                ref var slot = ref _slots[(int)(expected % (ulong)_slots.Length)];
                var template = slot.Template;
                switch (ack.Result)
                {
                    case IngestResult.Accepted:
                        Tally.Add(template);
                        if (ack.RecordsAccepted != template.RecordCount)
                        {
                            Interlocked.Increment(ref _acceptedCountMismatches);
                        }

                        Interlocked.Add(ref _recordsAccepted, ack.RecordsAccepted);
                        if (slot.Start >= _clock.MeasureFrom)
                        {
                            Interlocked.Add(ref _recordsAcceptedMeasured, ack.RecordsAccepted);
                        }

                        break;
                    case IngestResult.Duplicate:
                        Interlocked.Increment(ref _duplicates);
                        break;
                    case IngestResult.Rejected:
                        Interlocked.Increment(ref _rejected);
                        Interlocked.CompareExchange(ref _firstRejection, DescribeRejection(ack), null);
                        break;
                    default:
                        throw new InvalidOperationException($"protocol violation: ack for sequence {ack.Sequence} has result {ack.Result}");
                }

                if (slot.Start >= _clock.MeasureFrom)
                {
                    Latency.RecordMicros(RunClock.ToMicros(now - slot.Start));
                }

                Interlocked.Exchange(ref _lastAck, now);
                Interlocked.Increment(ref _batchesAcked);
                expected++;
                _window.Release();
            }

            if (BatchesAcked != BatchesSent)
            {
                throw new InvalidOperationException($"the server ended the stream with OK after {BatchesAcked} acks for {BatchesSent} batches");
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }
}
