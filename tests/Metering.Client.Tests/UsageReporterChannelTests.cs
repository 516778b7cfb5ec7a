using Grpc.Core.Interceptors;
using Metering.Client.Tests.Infrastructure;
using Xunit;

namespace Metering.Client.Tests;

/// <summary>The reporter on a gateway's own channel or call invoker: it calls through it and never disposes it.</summary>
public sealed class UsageReporterChannelTests
{
    private const string Model = "acme/llama-4-8b";

    [Fact]
    public async Task CallersChannel_CarriesTheStreamAndOutlivesTheReporter()
    {
        await using var server = await IngestServer.StartAsync();
        using var channel = server.CreateChannel();

        await using (var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.Address = null;
            o.Channel = channel;
        })))
        {
            RecordMany(reporter, 25);
            await reporter.FlushAsync(TestOptions.Within());
            Assert.Equal(25, reporter.GetStats().RecordsAccepted);
        }

        // Disposing the reporter left the channel open: a second reporter streams through it.
        await using var second = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.Address = null;
            o.Channel = channel;
        }));
        RecordMany(second, 5);
        await second.FlushAsync(TestOptions.Within());

        Assert.Equal(30, server.Ledger.RecordsApplied);
        Assert.Equal(2, server.Service.StreamsOpened);
        Assert.Equal("Bearer " + FakeIngestService.HostKey, server.Service.LastAuthorization);
    }

    [Fact]
    public async Task CallInvokerWithInterceptor_StreamGoesThroughTheInterceptorAndTheChannelOutlivesTheReporter()
    {
        await using var server = await IngestServer.StartAsync();
        using var channel = server.CreateChannel();
        var interceptor = new RecordingInterceptor();

        await using (var reporter = new UsageReporter(TestOptions.For(server.Address, o =>
        {
            o.Address = null;
            o.CallInvoker = channel.Intercept(interceptor);
            o.MaxBatchRecords = 10;
        })))
        {
            RecordMany(reporter, 100);
            await reporter.FlushAsync(TestOptions.Within());
            Assert.Equal(100, reporter.GetStats().RecordsAccepted);
        }

        Assert.Equal(["/metering.v1.IngestService/StreamUsage"], interceptor.Methods);
        Assert.Equal(1, server.Service.InterceptedCalls);
        Assert.Equal(100, server.Ledger.RecordsApplied);

        // The channel behind the invoker is still open after the reporter is gone.
        using var client = new MeteringClient(channel, FakeIngestService.HostKey);
        var response = await client.Ingest.ReportUsageAsync("after-dispose", [new() { Model = Model, InputTokens = 1, Requests = 1, EventTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow) }]);
        Assert.Equal(Metering.Contracts.V1.IngestResult.Accepted, response.Result);
        Assert.Equal(101, server.Ledger.RecordsApplied);
        Assert.Equal(1, server.Service.InterceptedCalls);
    }

    private static void RecordMany(UsageReporter reporter, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(reporter.Record(Model, 1, 1));
        }
    }
}
