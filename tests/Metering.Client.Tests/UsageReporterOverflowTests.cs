using System.Diagnostics;
using Metering.Client.Tests.Infrastructure;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>The request path stays fast and memory stays bounded when the server is slow or gone.</summary>
public sealed class UsageReporterOverflowTests
{
    private const string Model = "acme/llama-4-8b";

    [Fact]
    public async Task DropNewest_WhenBufferIsFull_DropsAndCounts()
    {
        await using var reporter = new UsageReporter(Unreachable(o =>
        {
            o.MaxBufferedRecords = 100;
            o.OverflowPolicy = OverflowPolicy.DropNewest;
        }));

        var taken = Enumerable.Range(0, 150).Count(_ => reporter.Record(Model, 1, 1));

        Assert.Equal(100, taken);
        var stats = reporter.GetStats();
        Assert.Equal(100, stats.RecordsRecorded);
        Assert.Equal(50, stats.RecordsDropped);
        Assert.Equal(100, stats.BufferedRecords);
    }

    [Fact]
    public async Task Block_WhenBufferStaysFull_ReturnsWithinMaxBlockAndDrops()
    {
        await using var reporter = new UsageReporter(Unreachable(o =>
        {
            o.MaxBufferedRecords = 100;
            o.OverflowPolicy = OverflowPolicy.Block;
            o.MaxBlock = TimeSpan.FromMilliseconds(50);
        }));
        for (var i = 0; i < 100; i++)
        {
            Assert.True(reporter.Record(Model, 1, 1));
        }

        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.False(reporter.Record(Model, 1, 1));
            Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(45), TimeSpan.FromSeconds(1));
        }

        Assert.Equal(5, reporter.GetStats().RecordsDropped);
    }

    [Fact]
    public async Task Block_WhenAcksFreeRoom_RecordSucceeds()
    {
        await using var server = await IngestServer.StartAsync();
        server.Service.AckDelay = TimeSpan.FromMilliseconds(100);
        await using var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.MaxBatchRecords = 10;
            o.MaxBufferedRecords = 10;
            o.MaxBlock = TimeSpan.FromSeconds(5);
        }));

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 25; i++)
        {
            Assert.True(reporter.Record(Model, 1, 1));
        }

        await reporter.FlushAsync(TestOptions.Within());
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(200), $"elapsed {watch.Elapsed}");
        Assert.Equal(25, server.Ledger.RecordsApplied);
        Assert.Equal(0, reporter.GetStats().RecordsDropped);
    }

    [Fact]
    public async Task Throw_WhenBufferIsFull_ThrowsAndKeepsWhatWasTaken()
    {
        await using var reporter = new UsageReporter(Unreachable(o =>
        {
            o.MaxBufferedRecords = 100;
            o.OverflowPolicy = OverflowPolicy.Throw;
        }));
        for (var i = 0; i < 100; i++)
        {
            reporter.Record(Model, 1, 1);
        }

        var ex = Assert.Throws<InvalidOperationException>(() => reporter.Record(Model, 1, 1));
        Assert.Contains("MaxBufferedRecords", ex.Message, StringComparison.Ordinal);
        Assert.Equal(100, reporter.GetStats().BufferedRecords);
        Assert.Equal(0, reporter.GetStats().RecordsDropped);
    }

    [Fact]
    public async Task Record_WhenServerIsDown_NeverBlocksBeyondTheBound()
    {
        var bound = TimeSpan.FromMilliseconds(20);
        await using var reporter = new UsageReporter(Unreachable(o =>
        {
            o.MaxBufferedRecords = 40_000;
            o.MaxBlock = bound;
        }));

        var durations = (await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var elapsed = new TimeSpan[10_050];
            for (var i = 0; i < elapsed.Length; i++)
            {
                var started = Stopwatch.GetTimestamp();
                reporter.Record(Model, 1, 1);
                elapsed[i] = Stopwatch.GetElapsedTime(started);
            }

            return elapsed;
        })))).SelectMany(d => d).Order().ToArray();

        // The server never comes back during the test, so a wait that is not bounded would show up as seconds. The
        // worst case allows for a loaded CI machine descheduling a thread; the 99th percentile is held tight.
        var worst = durations[^1];
        var p99 = durations[(int)(durations.Length * 0.99)];
        Assert.True(worst < TimeSpan.FromSeconds(1), $"slowest Record took {worst.TotalMilliseconds} ms");
        Assert.True(p99 < bound + TimeSpan.FromMilliseconds(30), $"99th percentile {p99.TotalMilliseconds} ms");
        var stats = reporter.GetStats();
        Assert.Equal(40_000, stats.RecordsRecorded);
        Assert.Equal(200, stats.RecordsDropped);
    }

    private static UsageReporterOptions Unreachable(Action<UsageReporterOptions> configure)
        => TestOptions.For(UnreachableAddress.Create(), o =>
        {
            o.MaxBatchRecords = 10;
            o.DisposeFlushTimeout = TimeSpan.Zero;
            configure(o);
        });
}
