using Metering.Client.Internal;
using Metering.Client.Tests.Infrastructure;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>The on-disk spool: a restarted gateway resumes its producer and loses nothing.</summary>
public sealed class UsageReporterSpoolTests : IDisposable
{
    private const string Model = "acme/llama-4-8b";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "metering-spool-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task RestartWhileServerUnreachable_NewReporterResumesSameProducerAndDeliversExactlyOnce()
    {
        var ledger = new IngestLedger();
        string producerId;
        await using (var first = await IngestServer.StartAsync(ledger))
        {
            var reporter = new UsageReporter(Options(first.Address, o => o.DisposeFlushTimeout = TimeSpan.FromMilliseconds(200)));
            producerId = reporter.ProducerId;
            RecordMany(reporter, 100);
            await reporter.FlushAsync(TestOptions.Within());

            // Batches 11 and 12 are applied but never acknowledged, then the server goes away for good.
            first.Service.RefuseStreams = true;
            first.Service.ScheduleKill(afterAcks: 0, applyWithoutAck: 2);
            RecordMany(reporter, 50);
            await TestOptions.WaitUntilAsync(() => ledger.LastApplied(FakeIngestService.Host, producerId) == 12);
            await first.DisposeAsync();
            RecordMany(reporter, 30);

            // The process stops: the flush times out, nothing more is acknowledged.
            await reporter.DisposeAsync();
            Assert.Equal(100, reporter.GetStats().RecordsAccepted);
        }

        Assert.NotEmpty(Directory.GetFiles(_directory, "*.seg"));
        await using var second = await IngestServer.StartAsync(ledger);
        var resumed = new UsageReporter(Options(second.Address));
        Assert.Equal(producerId, resumed.ProducerId);
        await resumed.FlushAsync(TestOptions.Within());

        Assert.Equal(180, ledger.RecordsApplied);
        Assert.Equal(18UL, ledger.LastApplied(FakeIngestService.Host, producerId));
        var applied = ledger.AppliedCounts(producerId);
        Assert.Equal(18, applied.Count);
        Assert.All(applied.Values, count => Assert.Equal(1, count));
        var stats = resumed.GetStats();
        Assert.Equal(80, stats.RecordsRestored);
        Assert.Equal(20, stats.RecordsDuplicate);
        Assert.Equal(60, stats.RecordsAccepted);
        Assert.Equal(0, stats.Errors);

        resumed.Record(Model, 1, 1);
        await resumed.DisposeAsync();
        Assert.Equal(19UL, ledger.LastApplied(FakeIngestService.Host, producerId));
        Assert.Empty(Directory.GetFiles(_directory, "*.seg"));
    }

    [Fact]
    public async Task TornLastFrame_IsTruncatedAndTheIntactBatchesAreResent()
    {
        var reporter = new UsageReporter(Options(UnreachableAddress.Create(), o => o.DisposeFlushTimeout = TimeSpan.Zero));
        var producerId = reporter.ProducerId;
        RecordMany(reporter, 30);
        await reporter.DisposeAsync();
        var segment = Assert.Single(Directory.GetFiles(_directory, "*.seg"));
        using (var stream = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 3);
        }

        await using var server = await IngestServer.StartAsync();
        await using var resumed = new UsageReporter(Options(server.Address));
        await resumed.FlushAsync(TestOptions.Within());

        Assert.Equal(producerId, resumed.ProducerId);
        Assert.Equal(20, server.Ledger.RecordsApplied);
        Assert.Equal(20, resumed.GetStats().RecordsRestored);
        resumed.Record(Model, 1, 1);
        await resumed.FlushAsync(TestOptions.Within());
        Assert.Equal(3UL, server.Ledger.LastApplied(FakeIngestService.Host, producerId));
    }

    [Fact]
    public async Task FullyAckedSegments_AreDeleted()
    {
        await using var server = await IngestServer.StartAsync();
        var reporter = new UsageReporter(Options(server.Address, o => o.SpoolSegmentBytes = 4096));
        RecordMany(reporter, 500);
        await reporter.FlushAsync(TestOptions.Within());
        RecordMany(reporter, 10);
        await reporter.FlushAsync(TestOptions.Within());

        Assert.Single(Directory.GetFiles(_directory, "*.seg"));
        await reporter.DisposeAsync();
        Assert.Empty(Directory.GetFiles(_directory, "*.seg"));
        var state = SpoolState.TryRead(Path.Combine(_directory, UsageSpool.StateFileName), out _);
        Assert.NotNull(state);
        Assert.Equal(51UL, state.AckedThrough);
        Assert.Equal(reporter.ProducerId, state.ProducerId);
    }

    [Fact]
    public async Task GapBelowWithSpool_RewritesSpoolSoARestartContinuesRenumbered()
    {
        await using var server = await IngestServer.StartAsync();
        var errors = new System.Collections.Concurrent.ConcurrentQueue<UsageReporterError>();
        var reporter = new UsageReporter(Options(server.Address, o => o.OnError = errors.Enqueue));
        var producerId = reporter.ProducerId;
        RecordMany(reporter, 50);
        await reporter.FlushAsync(TestOptions.Within());
        server.Ledger.Rewind(FakeIngestService.Host, producerId, last: 2);
        RecordMany(reporter, 30);
        await reporter.FlushAsync(TestOptions.Within());
        await reporter.DisposeAsync();

        Assert.Equal(UsageReporterErrorKind.RecordsLost, Assert.Single(errors).Kind);
        var state = SpoolState.TryRead(Path.Combine(_directory, UsageSpool.StateFileName), out _);
        Assert.NotNull(state);
        Assert.Equal(1, state.Generation);
        Assert.Equal(5UL, state.AckedThrough);
        Assert.Empty(Directory.GetFiles(_directory, "*.seg"));

        await using var resumed = new UsageReporter(Options(server.Address));
        RecordMany(resumed, 10);
        await resumed.FlushAsync(TestOptions.Within());
        Assert.Equal(6UL, server.Ledger.LastApplied(FakeIngestService.Host, producerId));
        Assert.Equal(0, resumed.GetStats().Errors);
    }

    [Fact]
    public async Task SecondReporterOnSameDirectory_IsRefused()
    {
        await using var reporter = new UsageReporter(Options(UnreachableAddress.Create(), o => o.DisposeFlushTimeout = TimeSpan.Zero));

        var ex = Assert.Throws<InvalidOperationException>(() => new UsageReporter(Options(UnreachableAddress.Create())));
        Assert.Contains("SpoolDirectory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfiguredProducerIdDifferentFromSpool_IsRefusedNamingTheOption()
    {
        var reporter = new UsageReporter(Options(UnreachableAddress.Create(), o =>
        {
            o.ProducerId = "gateway-1";
            o.DisposeFlushTimeout = TimeSpan.Zero;
        }));
        await reporter.DisposeAsync();

        var ex = Assert.Throws<ArgumentException>(() => new UsageReporter(Options(UnreachableAddress.Create(), o => o.ProducerId = "gateway-2")));
        Assert.Contains("UsageReporterOptions.ProducerId", ex.Message, StringComparison.Ordinal);
        await using var same = new UsageReporter(Options(UnreachableAddress.Create(), o =>
        {
            o.ProducerId = "gateway-1";
            o.DisposeFlushTimeout = TimeSpan.Zero;
        }));
        Assert.Equal("gateway-1", same.ProducerId);
    }

    private UsageReporterOptions Options(Uri address, Action<UsageReporterOptions>? configure = null)
        => TestOptions.For(address, o =>
        {
            o.SpoolDirectory = _directory;
            o.MaxBatchRecords = 10;
            configure?.Invoke(o);
        });

    private static void RecordMany(UsageReporter reporter, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(reporter.Record(Model, 1, 1));
        }
    }
}
