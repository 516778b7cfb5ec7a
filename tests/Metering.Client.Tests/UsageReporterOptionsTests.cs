using Grpc.Net.Client;
using Metering.Client.Tests.Infrastructure;
using Xunit;

namespace Metering.Client.Tests;

public sealed class UsageReporterOptionsTests
{
    public static TheoryData<string, Action<UsageReporterOptions>> InvalidSettings => new()
    {
        { "Address", o => o.Address = null },
        { "Address", o => o.Address = new Uri("ftp://metering.example") },
        { "ApiKey", o => o.ApiKey = "" },
        { "ApiKey", o => o.ApiKey = "two words" },
        { "ProducerId", o => o.ProducerId = "gateway 1" },
        { "ProducerId", o => o.ProducerId = new string('p', 129) },
        { "MaxBatchRecords", o => o.MaxBatchRecords = 0 },
        { "MaxBatchRecords", o => o.MaxBatchRecords = 10_001 },
        { "MaxBatchAge", o => o.MaxBatchAge = TimeSpan.Zero },
        { "MaxInFlightBatches", o => o.MaxInFlightBatches = 0 },
        { "MaxBufferedRecords", o => o.MaxBufferedRecords = 499 },
        { "OverflowPolicy", o => o.OverflowPolicy = (OverflowPolicy)7 },
        { "MaxBlock", o => o.MaxBlock = TimeSpan.FromMilliseconds(-1) },
        { "MaxBlock", o => o.MaxBlock = TimeSpan.FromMinutes(1) },
        { "ReconnectBaseDelay", o => o.ReconnectBaseDelay = TimeSpan.Zero },
        { "ReconnectMaxDelay", o => o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(1) },
        { "AuthFailureRetryDelay", o => o.AuthFailureRetryDelay = TimeSpan.Zero },
        { "DisposeFlushTimeout", o => o.DisposeFlushTimeout = TimeSpan.FromSeconds(-1) },
        { "SpoolDirectory", o => o.SpoolDirectory = " " },
        { "SpoolSegmentBytes", o => o.SpoolSegmentBytes = 100 },
        { "TimeProvider", o => o.TimeProvider = null! },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void InvalidSetting_ThrowsNamingTheOption(string name, Action<UsageReporterOptions> breakIt)
    {
        var options = TestOptions.For(new Uri("http://127.0.0.1:1"));
        breakIt(options);

        var ex = Assert.Throws<ArgumentException>(() => new UsageReporter(options));
        Assert.StartsWith($"UsageReporterOptions.{name} ", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, Action<UsageReporterOptions, GrpcChannel>> InvalidTargets => new()
    {
        { "Address", "is required", (o, _) => o.Address = null },
        { "Address", "are exclusive", (o, channel) => o.Channel = channel },
        { "Address", "are exclusive", (o, channel) => o.CallInvoker = channel.CreateCallInvoker() },
        { "Address", "are exclusive", (o, channel) => (o.Address, o.Channel, o.CallInvoker) = (null, channel, channel.CreateCallInvoker()) },
        { "Address", "are exclusive", (o, channel) => (o.Channel, o.CallInvoker) = (channel, channel.CreateCallInvoker()) },
        { "ChannelOptions", "applies only to the channel opened for Address", (o, channel) => (o.Address, o.Channel, o.ChannelOptions) = (null, channel, new GrpcChannelOptions()) },
        { "ChannelOptions", "applies only to the channel opened for Address", (o, channel) => (o.Address, o.CallInvoker, o.ChannelOptions) = (null, channel.CreateCallInvoker(), new GrpcChannelOptions()) },
    };

    [Theory]
    [MemberData(nameof(InvalidTargets))]
    public void NoneOrSeveralTargets_OrChannelOptionsWithoutAddress_ThrowNamingTheOption(string name, string rule, Action<UsageReporterOptions, GrpcChannel> breakIt)
    {
        using var channel = GrpcChannel.ForAddress(UnreachableAddress.Create());
        var options = TestOptions.For(new Uri("http://127.0.0.1:1"));
        breakIt(options, channel);

        var ex = Assert.Throws<ArgumentException>(() => new UsageReporter(options));
        Assert.StartsWith($"UsageReporterOptions.{name} ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExactlyOneTarget_IsAccepted()
    {
        using var channel = GrpcChannel.ForAddress(UnreachableAddress.Create());

        await using var byAddress = new UsageReporter(Target(o => o.ChannelOptions = new GrpcChannelOptions { MaxSendMessageSize = 8 * 1024 * 1024 }));
        await using var byChannel = new UsageReporter(Target(o => (o.Address, o.Channel) = (null, channel)));
        await using var byInvoker = new UsageReporter(Target(o => (o.Address, o.CallInvoker) = (null, channel.CreateCallInvoker())));

        Assert.Equal(3, new[] { byAddress.ProducerId, byChannel.ProducerId, byInvoker.ProducerId }.Distinct(StringComparer.Ordinal).Count());

        static UsageReporterOptions Target(Action<UsageReporterOptions> configure)
            => TestOptions.For(UnreachableAddress.Create(), o =>
            {
                o.DisposeFlushTimeout = TimeSpan.Zero;
                configure(o);
            });
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new UsageReporterOptions();

        Assert.Equal(500, options.MaxBatchRecords);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.MaxBatchAge);
        Assert.Equal(32, options.MaxInFlightBatches);
        Assert.Equal(1_000_000, options.MaxBufferedRecords);
        Assert.Equal(OverflowPolicy.Block, options.OverflowPolicy);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.MaxBlock);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.ReconnectBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReconnectMaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(60), options.AuthFailureRetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DisposeFlushTimeout);
        Assert.Null(options.Address);
        Assert.Null(options.Channel);
        Assert.Null(options.CallInvoker);
        Assert.Null(options.ChannelOptions);
        Assert.Null(options.SpoolDirectory);
        Assert.True(options.SpoolFlushToDisk);
        Assert.Equal(16L * 1024 * 1024, options.SpoolSegmentBytes);
        Assert.Same(TimeProvider.System, options.TimeProvider);
    }

    [Fact]
    public async Task DefaultProducerId_IsANewGuidPerReporter()
    {
        await using var first = new UsageReporter(TestOptions.For(UnreachableAddress.Create()));
        await using var second = new UsageReporter(TestOptions.For(UnreachableAddress.Create()));

        Assert.True(Guid.TryParse(first.ProducerId, out _));
        Assert.NotEqual(first.ProducerId, second.ProducerId);
    }

    [Theory]
    [InlineData("model", "", 1, 1, 1)]
    [InlineData("model", "acme/llama 4", 1, 1, 1)]
    [InlineData("inputTokens", "acme/llama-4", -1, 1, 1)]
    [InlineData("outputTokens", "acme/llama-4", 1, 1_000_000_000_001, 1)]
    [InlineData("requests", "acme/llama-4", 0, 0, 0)]
    public async Task InvalidRecord_ThrowsNamingTheArgumentAndIsNotTaken(string parameter, string model, long input, long output, long requests)
    {
        await using var reporter = new UsageReporter(TestOptions.For(UnreachableAddress.Create(), o => o.DisposeFlushTimeout = TimeSpan.Zero));

        var ex = Assert.ThrowsAny<ArgumentException>(() => reporter.Record(model, input, output, requests));
        Assert.Equal(parameter, ex.ParamName);
        Assert.Equal(0, reporter.GetStats().RecordsRecorded);
    }
}
