using System.Collections.Concurrent;
using Metering.Client.Tests.Infrastructure;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>The reporter against a real server over HTTP/2: batching, pipelining, acks, reconnects, gaps, rejections.</summary>
public sealed class UsageReporterDeliveryTests
{
    private static readonly string[] Models = ["acme/llama-4-70b-instruct:v2", "acme/llama-4-8b", "acme/embed-v1"];

    [Fact]
    public async Task ConcurrentRecordsUnderNormalFlow_AreAllDeliveredExactlyOnce()
    {
        await using var server = await IngestServer.StartAsync();
        var reporter = new UsageReporter(TestOptions.For(server.Address, o => o.MaxBatchRecords = 200));
        var expected = await RecordConcurrentlyAsync(reporter, tasks: 8, perTask: 5_000);
        await reporter.FlushAsync(TestOptions.Within());

        AssertLedgerEquals(expected, server.Ledger);
        var applied = server.Ledger.AppliedCounts(reporter.ProducerId);
        Assert.All(applied.Values, count => Assert.Equal(1, count));
        var stats = reporter.GetStats();
        Assert.Equal(40_000, stats.RecordsRecorded);
        Assert.Equal(40_000, stats.RecordsAccepted);
        Assert.Equal(0, stats.RecordsDuplicate);
        Assert.Equal(stats.BatchesSent, stats.BatchesAccepted);
        Assert.Equal((long)applied.Count, stats.BatchesAccepted);
        Assert.Equal(0, stats.BufferedRecords);
        Assert.Equal(0, stats.UnackedBatches);
        Assert.Equal(server.Ledger.LastApplied(FakeIngestService.Host, reporter.ProducerId), stats.AckedThroughSequence);
        Assert.Equal(1, server.Service.StreamsOpened);
        await reporter.DisposeAsync();
    }

    [Fact]
    public async Task OpenBatch_ClosesByAgeWithoutFlush()
    {
        await using var server = await IngestServer.StartAsync();
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o => o.MaxBatchAge = TimeSpan.FromMilliseconds(50)));
        reporter.Record("acme/llama-4-8b", 10, 20);
        reporter.Record("acme/llama-4-8b", 1, 2);

        await TestOptions.WaitUntilAsync(() => reporter.GetStats().RecordsAccepted == 2, seconds: 5);
        Assert.Equal(new ModelTotals { Records = 2, InputTokens = 11, OutputTokens = 22, Requests = 2 }, server.Ledger.TotalsOf("acme/llama-4-8b"));
        Assert.Equal(0, reporter.GetStats().BufferedRecords);
    }

    [Fact]
    public async Task StreamKilledAfterApplyingUnackedBatches_ReconnectsAndResends_TotalsExact()
    {
        await using var server = await IngestServer.StartAsync();
        server.Service.ScheduleKill(afterAcks: 5, applyWithoutAck: 2);
        server.Service.ScheduleKill(afterAcks: 7, applyWithoutAck: 3);
        server.Service.ScheduleKill(afterAcks: 4, applyWithoutAck: 1);
        var reporter = new UsageReporter(TestOptions.For(server.Address, o => o.MaxBatchRecords = 50));
        var expected = await RecordConcurrentlyAsync(reporter, tasks: 4, perTask: 5_000);
        await reporter.FlushAsync(TestOptions.Within());

        AssertLedgerEquals(expected, server.Ledger);
        Assert.All(server.Ledger.AppliedCounts(reporter.ProducerId).Values, count => Assert.Equal(1, count));
        var stats = reporter.GetStats();
        Assert.Equal(20_000, stats.RecordsRecorded);
        Assert.Equal(20_000, stats.RecordsAccepted + stats.RecordsDuplicate);

        // At least the six batches applied without an ack come back DUPLICATE; acks already sent when a stream is
        // reset may be discarded by the client's HTTP/2 stack too, and those batches are resent as well.
        Assert.InRange(stats.BatchesDuplicate, 6, stats.BatchesResent);
        Assert.Equal(stats.BatchesAccepted + stats.BatchesDuplicate, server.Ledger.AppliedCounts(reporter.ProducerId).Count);
        Assert.Equal(3, stats.Reconnects);
        Assert.Equal(4, server.Service.StreamsOpened);
        Assert.Empty(server.Service.HandlerErrors);
        await reporter.DisposeAsync();
    }

    [Fact]
    public async Task SlowServer_KeepsAtMostMaxInFlightBatchesUnacked()
    {
        await using var server = await IngestServer.StartAsync();
        server.Service.AckDelay = TimeSpan.FromMilliseconds(5);
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.MaxBatchRecords = 1;
            o.MaxInFlightBatches = 4;
        }));
        for (var i = 0; i < 60; i++)
        {
            reporter.Record("acme/llama-4-8b", 1, 1);
        }

        await reporter.FlushAsync(TestOptions.Within());

        Assert.Equal(60, server.Ledger.RecordsApplied);
        Assert.InRange(server.Service.MaxOutstanding, 2, 4);
    }

    [Fact]
    public async Task RejectedBatch_IsSurfacedThroughCallbackAndNotRetried()
    {
        await using var server = await IngestServer.StartAsync();
        server.Service.RejectModel = "acme/retired-model";
        var rejected = new ConcurrentQueue<RejectedBatch>();
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o => o.OnRejected = rejected.Enqueue));
        reporter.Record("acme/llama-4-8b", 1, 1);
        await reporter.FlushAsync(TestOptions.Within());
        reporter.Record("acme/llama-4-8b", 2, 2);
        reporter.Record("acme/llama-4-8b", 3, 3);
        reporter.Record("acme/retired-model", 4, 4);
        await reporter.FlushAsync(TestOptions.Within());
        reporter.Record("acme/llama-4-8b", 5, 5);
        await reporter.FlushAsync(TestOptions.Within());

        var batch = Assert.Single(rejected);
        Assert.Equal(2UL, batch.Sequence);
        Assert.Equal(reporter.ProducerId, batch.ProducerId);
        Assert.Equal(3, batch.Records.Count);
        var violation = Assert.Single(batch.Violations);
        Assert.Equal("records[2].model", violation.Field);
        Assert.Equal("MODEL_INVALID", violation.Reason);
        Assert.Equal(1, server.Ledger.ReceivedCount(reporter.ProducerId, 2));
        Assert.Equal(new ModelTotals { Records = 2, InputTokens = 6, OutputTokens = 6, Requests = 2 }, server.Ledger.TotalsOf("acme/llama-4-8b"));
        var stats = reporter.GetStats();
        Assert.Equal(1, stats.BatchesRejected);
        Assert.Equal(3, stats.RecordsRejected);
        Assert.Equal(2, stats.RecordsAccepted);
        Assert.Equal(3UL, stats.AckedThroughSequence);
    }

    [Fact]
    public async Task GapAboveOldestUnacked_TreatsBatchesBelowAsDelivered()
    {
        await using var server = await IngestServer.StartAsync();
        var errors = new ConcurrentQueue<UsageReporterError>();
        var log = new ListLogger();
        await using var reporter = new UsageReporter(
            TestOptions.For(server.Address, o =>
            {
                o.MaxBatchRecords = 10;
                o.OnError = errors.Enqueue;
            }),
            log);
        for (var i = 0; i < 30; i++)
        {
            reporter.Record("acme/llama-4-8b", 1, 1);
        }

        await reporter.FlushAsync(TestOptions.Within());

        // Batches 4 to 6 are applied but their acks are lost with the stream; the resend of 4 is then answered with
        // a gap naming 7, above the reporter's oldest unacknowledged batch.
        server.Service.ScheduleKill(afterAcks: 0, applyWithoutAck: 3);
        server.Service.AnswerNextDuplicateWithGap();
        for (var i = 0; i < 50; i++)
        {
            reporter.Record("acme/llama-4-8b", 1, 1);
        }

        await reporter.FlushAsync(TestOptions.Within());

        Assert.Equal(80, server.Ledger.RecordsApplied);
        Assert.All(server.Ledger.AppliedCounts(reporter.ProducerId).Values, count => Assert.Equal(1, count));
        Assert.True(server.Ledger.ReceivedCount(reporter.ProducerId, 5) == 1, log.ToString());
        Assert.Equal(1, server.Ledger.ReceivedCount(reporter.ProducerId, 6));
        var stats = reporter.GetStats();
        Assert.Equal(3, stats.BatchesDuplicate);
        Assert.Equal(30, stats.RecordsDuplicate);
        Assert.Equal(50, stats.RecordsAccepted);
        Assert.Equal(8UL, stats.AckedThroughSequence);
        Assert.Empty(errors);
        Assert.Empty(server.Service.HandlerErrors);
    }

    [Fact]
    public async Task GapBelowOldestUnacked_ReportsLostBatchesAndRenumbersInsteadOfLooping()
    {
        await using var server = await IngestServer.StartAsync();
        var errors = new ConcurrentQueue<UsageReporterError>();
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.MaxBatchRecords = 10;
            o.OnError = errors.Enqueue;
        }));
        for (var i = 0; i < 50; i++)
        {
            reporter.Record("acme/llama-4-8b", 1, 1);
        }

        await reporter.FlushAsync(TestOptions.Within());
        server.Ledger.Rewind(FakeIngestService.Host, reporter.ProducerId, last: 2);
        for (var i = 0; i < 30; i++)
        {
            reporter.Record("acme/embed-v1", 1, 1);
        }

        await reporter.FlushAsync(TestOptions.Within());

        var error = Assert.Single(errors);
        Assert.Equal(UsageReporterErrorKind.RecordsLost, error.Kind);
        Assert.Contains("expects sequence 3", error.Message, StringComparison.Ordinal);
        Assert.Equal(30, server.Ledger.TotalsOf("acme/embed-v1").Records);
        Assert.Equal(5UL, server.Ledger.LastApplied(FakeIngestService.Host, reporter.ProducerId));
        var stats = reporter.GetStats();
        Assert.Equal(3, stats.BatchesLost);
        Assert.Equal(1, stats.Errors);
        Assert.Equal(5UL, stats.AckedThroughSequence);
        Assert.Equal(80, stats.RecordsAccepted);
        Assert.True(server.Service.StreamsOpened <= 3, $"streams {server.Service.StreamsOpened}");
    }

    [Theory]
    [InlineData("not-a-key", UsageReporterErrorKind.Unauthenticated)]
    [InlineData(FakeIngestService.BillingKey, UsageReporterErrorKind.PermissionDenied)]
    public async Task AuthFailure_IsSurfacedAndNotRetriedBlindly(string apiKey, UsageReporterErrorKind kind)
    {
        await using var server = await IngestServer.StartAsync();
        var errors = new ConcurrentQueue<UsageReporterError>();
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.ApiKey = apiKey;
            o.MaxBatchRecords = 1;
            o.AuthFailureRetryDelay = TimeSpan.FromSeconds(30);
            o.DisposeFlushTimeout = TimeSpan.Zero;
            o.OnError = errors.Enqueue;
        }));
        reporter.Record("acme/llama-4-8b", 1, 1);
        await TestOptions.WaitUntilAsync(() => !errors.IsEmpty, seconds: 5);
        await Task.Delay(500);

        var error = Assert.Single(errors);
        Assert.Equal(kind, error.Kind);
        Assert.IsType<Grpc.Core.RpcException>(error.Exception);
        var stats = reporter.GetStats();
        Assert.Equal(0, stats.Reconnects);
        Assert.Equal(1, stats.BufferedRecords);
        Assert.Equal(0, server.Ledger.RecordsApplied);
    }

    [Fact]
    public async Task FlushAsync_CancelledDuringOutage_ThrowsAndDeliveryGoesOn()
    {
        await using var server = await IngestServer.StartAsync();
        server.Service.RefuseStreams = true;
        await using var reporter = new UsageReporter(TestOptions.For(server.Address));
        reporter.Record("acme/llama-4-8b", 1, 1);

        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reporter.FlushAsync(soon.Token));
        server.Service.RefuseStreams = false;
        await reporter.FlushAsync(TestOptions.Within());

        Assert.Equal(1, server.Ledger.RecordsApplied);
        Assert.True(reporter.GetStats().Reconnects >= 1);
    }

    [Fact]
    public async Task DisposeAsync_FlushesWhatWasRecorded()
    {
        await using var server = await IngestServer.StartAsync();
        var reporter = new UsageReporter(TestOptions.For(server.Address, o => o.MaxBatchAge = TimeSpan.FromSeconds(30)));
        for (var i = 0; i < 7; i++)
        {
            reporter.Record("acme/llama-4-8b", 1, 1, billedMicros: 1_500_000);
        }

        await reporter.DisposeAsync();

        Assert.Equal(new ModelTotals { Records = 7, InputTokens = 7, OutputTokens = 7, Requests = 7, BilledMicros = 10_500_000 }, server.Ledger.TotalsOf("acme/llama-4-8b"));
        Assert.Throws<ObjectDisposedException>(() => reporter.Record("acme/llama-4-8b", 1, 1));
    }

    internal static async Task<Dictionary<string, ModelTotals>> RecordConcurrentlyAsync(UsageReporter reporter, int tasks, int perTask)
    {
        var partials = await Task.WhenAll(Enumerable.Range(0, tasks).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            var totals = Models.ToDictionary(m => m, _ => new ModelTotals(), StringComparer.Ordinal);
            for (var i = 0; i < perTask; i++)
            {
                var model = Models[random.Next(Models.Length)];
                var input = random.Next(0, 4_000);
                var output = random.Next(1, 2_000);
                long? billed = i % 3 == 0 ? random.Next(0, 1_000_000) : null;
                Assert.True(reporter.Record(model, input, output, billedMicros: billed));
                var sum = totals[model];
                sum.Records++;
                sum.InputTokens += input;
                sum.OutputTokens += output;
                sum.Requests++;
                sum.BilledMicros += billed ?? 0;
            }

            return totals;
        })));
        return Models.ToDictionary(
            m => m,
            m => new ModelTotals
            {
                Records = partials.Sum(p => p[m].Records),
                InputTokens = partials.Sum(p => p[m].InputTokens),
                OutputTokens = partials.Sum(p => p[m].OutputTokens),
                Requests = partials.Sum(p => p[m].Requests),
                BilledMicros = partials.Sum(p => p[m].BilledMicros),
            },
            StringComparer.Ordinal);
    }

    internal static void AssertLedgerEquals(Dictionary<string, ModelTotals> expected, IngestLedger ledger)
    {
        var actual = ledger.Totals();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (model, totals) in expected)
        {
            Assert.Equal(totals, actual[model]);
        }
    }
}
