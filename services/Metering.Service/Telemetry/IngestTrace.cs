using System.Diagnostics;

namespace Metering.Service.Telemetry;

/// <summary>
/// The spans of an ingest batch: "ingest batch" (a child of the call's span), with children "parse", "validate",
/// "commit" and "ack". A stream reads batch after batch while earlier ones still wait for their commit, so the spans
/// are created with explicit parents and times, and none is left as <see cref="Activity.Current"/>: the next batch's
/// span must be the call's child, not the previous batch's. Nothing is created unless a trace exporter listens
/// (<see cref="ActivitySource.HasListeners"/>), so the hot path pays one check per batch.
/// </summary>
internal static class IngestTrace
{
    /// <summary>The batch's span, started at <paramref name="receivedAt"/> (a <see cref="Stopwatch"/> timestamp); null when nobody listens.</summary>
    public static Activity? StartBatch(string transport, string hostId, int records, long receivedAt)
    {
        if (!MeteringTelemetry.Source.HasListeners())
        {
            return null;
        }

        var call = Activity.Current;
        var batch = MeteringTelemetry.Source.StartActivity("ingest batch", ActivityKind.Internal, call?.Context ?? default, startTime: TimeOf(receivedAt));
        Activity.Current = call;
        batch?.SetTag("metering.host", hostId);
        batch?.SetTag("metering.transport", transport);
        batch?.SetTag("metering.records", records);
        return batch;
    }

    /// <summary>A finished child of <paramref name="batch"/> named <paramref name="name"/>, from <paramref name="started"/> to <paramref name="ended"/> (<see cref="Stopwatch"/> timestamps).</summary>
    public static void Step(Activity? batch, string name, long started, long ended)
    {
        if (batch is null)
        {
            return;
        }

        var current = Activity.Current;
        var step = MeteringTelemetry.Source.StartActivity(name, ActivityKind.Internal, batch.Context, startTime: TimeOf(started));
        if (step is not null)
        {
            step.SetEndTime(TimeOf(ended).UtcDateTime);
            step.Stop();
        }

        Activity.Current = current;
    }

    /// <summary>Ends the batch's span with its result ("accepted", "duplicate", "rejected") or, when it failed, the error.</summary>
    public static void End(Activity? batch, string? result, Exception? error = null)
    {
        if (batch is null)
        {
            return;
        }

        var current = Activity.Current;
        if (error is not null)
        {
            batch.SetStatus(ActivityStatusCode.Error, error.Message);
            batch.SetTag("error.type", error.GetType().FullName);
        }
        else
        {
            batch.SetTag("metering.result", result);
        }

        batch.Stop();
        Activity.Current = current;
    }

    private static DateTimeOffset TimeOf(long timestamp) => DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(timestamp);
}
