using Metering.Chaos;
using Xunit;
using Xunit.Abstractions;

namespace Metering.Tests.Chaos;

/// <summary>
/// The shortened fault-injection run inside `make test`: one cycle of each fault (service SIGKILL, Redis SIGKILL
/// and restart, PostgreSQL down 10 s, flusher crash after commit), on a Redis and PostgreSQL of its own. `make chaos`
/// runs the long version.
/// </summary>
public sealed class ChaosSuiteTests
{
    private readonly ITestOutputHelper _output;

    public ChaosSuiteTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task EveryFault_OnceEach_LeavesNoDiscrepancy()
    {
        var log = new StringWriter();
        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var results = await ChaosRunner.RunAsync(new ChaosOptions { Cycles = 4, Hosts = 2, RecordsPerSecondPerHost = 3000, Configuration = configuration, Log = log });
        _output.WriteLine(log.ToString());

        Assert.Equal(4, results.Count);
        Assert.Equal(Enum.GetValues<ChaosFault>(), results.Select(r => r.Fault));
        Assert.All(results, r =>
        {
            Assert.True(r.RecordsDelivered > 0, $"cycle {r.Cycle} delivered nothing");
            Assert.Equal(0, r.Discrepancy);
            Assert.Empty(r.Mismatches);
            Assert.Equal(r.RecordsDelivered, r.RecordsCounted);
        });
    }
}
