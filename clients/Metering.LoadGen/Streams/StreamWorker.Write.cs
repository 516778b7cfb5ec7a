using Metering.Contracts.V1;
using Grpc.Core;
using Metering.LoadGen.Metrics;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Streams;

/// <summary>The sending half: one write at a time, never more than the window unacknowledged.</summary>
internal sealed partial class StreamWorker
{
    private async Task WriteBatchesAsync(AsyncDuplexStreamingCall<EncodedStreamUsageRequest, StreamUsageResponse> call, CancellationToken cancellationToken)
    {
        var requests = call.RequestStream;
        var paced = _intervalTicks > 0;
        var minimumSleep = System.Diagnostics.Stopwatch.Frequency / 1000;
        for (ulong sequence = 1; ; sequence++)
        {
            if (_batchLimit is { } limit && sequence > limit)
            {
                break;
            }

            var template = sequence == _batchLimit && _pool.Tail is { } tail ? tail : _pool.Get(sequence);
            var scheduled = long.MaxValue;
            if (paced)
            {
                scheduled = _clock.Start + (long)(_phaseTicks + ((sequence - 1) * _intervalTicks));
                if (_clock.StopAt is { } stopAt && scheduled >= stopAt)
                {
                    break;
                }

                var ahead = scheduled - Now();
                if (ahead > minimumSleep)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)ahead / System.Diagnostics.Stopwatch.Frequency), cancellationToken);
                    if (scheduled >= _clock.MeasureFrom)
                    {
                        TimerLag.RecordMicros(RunClock.ToMicros(Now() - scheduled));
                    }
                }
            }

            await _window.WaitAsync(cancellationToken);
            var now = Now();
            if (!paced && _clock.StopAt is { } end && now >= end)
            {
                _window.Release();
                break;
            }

            if (paced && scheduled >= _clock.MeasureFrom)
            {
                SendLag.RecordMicros(RunClock.ToMicros(now - scheduled));
            }

            ref var slot = ref _slots[(int)(sequence % (ulong)_slots.Length)];
            slot.Template = template;
            slot.Start = Math.Min(scheduled, now);
            var message = slot.Message;
            message.Sequence = sequence;
            message.Template = template;
            Interlocked.Increment(ref _batchesSent);
            Interlocked.Add(ref _recordsSent, template.RecordCount);
            await requests.WriteAsync(message, cancellationToken);
        }
    }
}
