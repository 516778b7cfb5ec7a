using System.Collections.Concurrent;
using Grpc.Core;
using Metering.Client.Tests.Infrastructure;
using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>
/// A stream the server ends with a status while the reporter has its whole window (32 batches) written and
/// unacknowledged, or still being written: the reporter must act on the server's status, not on a cancellation or a
/// transport failure of the writes in progress. Each case runs <see cref="Iterations"/> times, each with a new
/// reporter and connection, because losing the status is a race. (The SDK once opened every stream with a window of
/// one batch so that its former gRPC client could not lose the status; these tests hold the full window to that.)
/// </summary>
public sealed class UsageReporterStreamEndTests
{
    private const int Iterations = 50;
    private const int Batches = 32;
    private const string Model = "acme/llama-4-8b";

    /// <summary>
    /// 4,000 records make a batch of about 150 KB: 32 of them are far beyond the HTTP/2 flow-control windows (2 MB per
    /// stream), so when the server stops reading, writes are still pending when its status arrives.
    /// </summary>
    private const int LargeBatch = 4_000;

    [Theory]
    [InlineData(32, 10)]
    [InlineData(2, LargeBatch)]
    public async Task SequenceGapWithTheWindowFull_IsHandledAsAGapEveryTime(int readBeforeEnding, int recordsPerBatch)
    {
        // The server ends the stream naming a sequence above the oldest batch in flight: the batches below it count as
        // applied, and the next stream resends only from there, without any error.
        var expected = (ulong)(readBeforeEnding / 2) + 1;
        var service = new StreamEndingIngestService(readBeforeEnding, () => IngestStatuses.SequenceGap((ulong)readBeforeEnding, expected));
        await using var server = await StartAsync(service);
        for (var i = 0; i < Iterations; i++)
        {
            var apiKey = $"host-key-{i}";
            var errors = new ConcurrentQueue<UsageReporterError>();
            var log = new ListLogger();
            await using var reporter = new UsageReporter(Options(server.Address, apiKey, recordsPerBatch, errors), log);
            RecordBatches(reporter, recordsPerBatch);

            var flushed = await FlushedAsync(reporter);

            var stats = reporter.GetStats();
            var why = $"iteration {i}: flushed {flushed}, errors [{string.Join("; ", errors)}], {stats}\n{log}";
            Assert.True(flushed && errors.IsEmpty, why);
            Assert.True((long)expected - 1 == stats.BatchesDuplicate, why);
            Assert.True(Batches - (long)expected + 1 == stats.BatchesAccepted, why);

            // Nothing below the expected sequence was sent again. (Kestrel sometimes closes the connection with
            // GOAWAY STREAM_CLOSED when a stream it ended still receives data, so the stream after the gap may fail
            // too and be followed by another: a reconnect, not a misread status.)
            var resent = service.SequencesAfterTheEnd(apiKey);
            Assert.True(stats.Reconnects >= 1 && resent.Count > 0 && resent.Min() == expected, why);
            Assert.Equal(Enumerable.Range((int)expected, Batches - (int)expected + 1).Select(s => (ulong)s), resent.Distinct().Order());
        }
    }

    [Theory]
    [InlineData(0, LargeBatch)]
    [InlineData(2, LargeBatch)]
    [InlineData(32, 10)]
    public async Task UnauthenticatedWithTheWindowFull_IsReportedAsUnauthenticatedEveryTime(int readBeforeEnding, int recordsPerBatch)
    {
        // As for a key revoked while its stream is open (or refused before anything is read): reported through OnError,
        // and no reconnect before AuthFailureRetryDelay (30 s here); the records stay buffered.
        var service = new StreamEndingIngestService(readBeforeEnding, () => IngestStatuses.Unauthenticated("The API key has been revoked."));
        await using var server = await StartAsync(service);
        for (var i = 0; i < Iterations; i++)
        {
            var apiKey = $"host-key-{i}";
            var errors = new ConcurrentQueue<UsageReporterError>();
            var log = new ListLogger();
            await using var reporter = new UsageReporter(Options(server.Address, apiKey, recordsPerBatch, errors), log);
            RecordBatches(reporter, recordsPerBatch);

            await TestOptions.WaitUntilAsync(() => !errors.IsEmpty || reporter.GetStats().Reconnects > 0);

            var stats = reporter.GetStats();
            var why = $"iteration {i}: errors [{string.Join("; ", errors)}], {stats}\n{log}";
            Assert.True(errors.Count == 1 && stats.Reconnects == 0, why);
            var error = Assert.Single(errors);
            Assert.True(error.Kind == UsageReporterErrorKind.Unauthenticated, why);
            Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(error.Exception).StatusCode);
            Assert.Equal(Batches * recordsPerBatch, stats.BufferedRecords);
            Assert.Empty(service.SequencesAfterTheEnd(apiKey));
        }
    }

    private static Task<InProcessServer> StartAsync(StreamEndingIngestService service)
        => FakeServer.StartAsync(services => services.AddSingleton(service), static app => app.MapGrpcService<StreamEndingIngestService>());

    private static UsageReporterOptions Options(Uri address, string apiKey, int recordsPerBatch, ConcurrentQueue<UsageReporterError> errors)
        => TestOptions.For(address, o =>
        {
            o.ApiKey = apiKey;
            o.MaxBatchRecords = recordsPerBatch;
            o.MaxInFlightBatches = Batches;
            o.DisposeFlushTimeout = TimeSpan.Zero;
            o.OnError = errors.Enqueue;
        });

    private static void RecordBatches(UsageReporter reporter, int recordsPerBatch)
    {
        for (var i = 0; i < Batches * recordsPerBatch; i++)
        {
            Assert.True(reporter.Record(Model, 1, 1));
        }
    }

    /// <summary>Whether everything recorded is resolved within 10 seconds (a misread status makes the reporter wait 30).</summary>
    private static async Task<bool> FlushedAsync(UsageReporter reporter)
    {
        try
        {
            await reporter.FlushAsync(TestOptions.Within(10));
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
