using System.Diagnostics;
using Metering.LoadGen.Metrics;
using Xunit;

namespace Metering.LoadGen.Tests;

/// <summary>The CPU figures: /proc/stat read as exact idle time over elapsed × CPUs, the processes over the same elapsed time.</summary>
public sealed class CpuAccountingTests
{
    // Two CPUs, USER_HZ 100: user nice system idle iowait irq softirq steal guest guest_nice.
    private const string StatAtStart = """
        cpu  1000 0 500 20000 100 0 50 10 0 0
        cpu0 500 0 250 10000 50 0 25 5 0 0
        cpu1 500 0 250 10000 50 0 25 5 0 0
        intr 123456 0 0
        ctxt 987654
        btime 1700000000
        processes 4242
        procs_running 1
        procs_blocked 0
        softirq 1 2 3
        """;

    // Ten seconds later: 12 s idle, 1 s iowait, 0.2 s stolen of the 20 CPU-seconds, so 6.8 s busy (0.68 cores). The tick
    // saw only 0.13 s of it as user and system: bursts shorter than a tick, between idle periods, go unsampled.
    private const string StatTenSecondsLater = """
        cpu  1010 0 503 21200 200 0 50 30 0 0
        cpu0 505 0 252 10600 100 0 25 15 0 0
        cpu1 505 0 251 10600 100 0 25 15 0 0
        intr 223456 0 0
        ctxt 1987654
        """;

    private static readonly DateTime Started = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ProcStat_GivesIdleIowaitAndStealInSecondsAndTheCpuCount()
    {
        var machine = MachineCpuTime.Parse(StatAtStart, ticksPerSecond: 100);

        Assert.Equal(new MachineCpuTime(2, 201.0, 0.1), machine);
    }

    [Fact]
    public void ProcStatOfAnOldKernel_WithoutStealCounter_CountsNoSteal()
    {
        var machine = MachineCpuTime.Parse("cpu  10 0 10 400\ncpu0 10 0 10 400\n", ticksPerSecond: 100);

        Assert.Equal(new MachineCpuTime(1, 4.0, 0), machine);
    }

    [Theory]
    [InlineData("")]
    [InlineData("intr 1 2 3\n")]
    [InlineData("cpu  1 2 x 4 5\ncpu0 1 2 3 4 5\n")]
    [InlineData("cpu  1 2 3\ncpu0 1 2 3\n")]
    [InlineData("cpu  1 2 3 4 5 6 7 8\n")]
    public void TextThatIsNotProcStat_GivesNoMachineFigure(string text)
        => Assert.Null(MachineCpuTime.Parse(text, ticksPerSecond: 100));

    [Fact]
    public void BurstyLoad_MachineIsElapsedLessIdleAndCoversTheProcesses()
    {
        WatchedProcess[] watched = [new("service", 100), new("redis", 200)];
        var start = Snapshot(0, self: 1.0, [(5.0, Started), (2.0, Started)], StatAtStart);
        var end = Snapshot(10, self: 2.0, [(8.2, Started), (3.0, Started)], StatTenSecondsLater);

        var usage = end.Since(start, watched);

        Assert.Equal(0.10, usage.SelfCores, 6);
        Assert.Equal([("service", 0.32), ("redis", 0.10)], usage.Watched.Select(w => (w.Name, Math.Round(w.Cores, 6))));
        Assert.Equal(0.68, usage.MachineCores!.Value, 6);
        Assert.Equal(2, usage.MachineCoreCount);
        Assert.Equal(0.16, usage.OtherCores!.Value, 6);
        Assert.True(usage.MachineCores >= usage.SelfCores + usage.Watched.Sum(w => w.Cores));
    }

    [Fact]
    public void AllCpusIdle_MachineIsZero()
    {
        var start = Snapshot(0, 0, [], "cpu  0 0 0 1000 0 0 0 0\ncpu0 0 0 0 500 0 0 0 0\ncpu1 0 0 0 500 0 0 0 0\n");
        var end = Snapshot(5, 0, [], "cpu  0 0 0 2000 0 0 0 0\ncpu0 0 0 0 1000 0 0 0 0\ncpu1 0 0 0 1000 0 0 0 0\n");

        Assert.Equal(0, end.Since(start, []).MachineCores!.Value, 6);
    }

    [Fact]
    public void ProcessRestartedUnderTheSamePid_IsNotAFigure()
    {
        WatchedProcess[] watched = [new("service", 100)];
        var start = Snapshot(0, 0, [(50.0, Started)], StatAtStart);
        var end = Snapshot(10, 0, [(0.5, Started.AddSeconds(7))], StatTenSecondsLater);

        Assert.True(double.IsNaN(end.Since(start, watched).Watched[0].Cores));
    }

    [Fact]
    public void ProcessGoneByTheEnd_IsNotAFigureAndLeavesOtherOutOfIt()
    {
        WatchedProcess[] watched = [new("service", 100)];
        var start = Snapshot(0, 1.0, [(50.0, Started)], StatAtStart);
        var end = Snapshot(10, 2.0, [null], StatTenSecondsLater);

        var usage = end.Since(start, watched);

        Assert.True(double.IsNaN(usage.Watched[0].Cores));
        Assert.Equal(0.58, usage.OtherCores!.Value, 6);
    }

    [Fact]
    public void NoProcStat_NoMachineFigure()
    {
        var start = Snapshot(0, 1.0, [], stat: null);
        var end = Snapshot(10, 2.0, [], stat: null);

        var usage = end.Since(start, []);

        Assert.Null(usage.MachineCores);
        Assert.Null(usage.OtherCores);
        Assert.Equal(Environment.ProcessorCount, usage.MachineCoreCount);
    }

    [Fact]
    public void RealProc_ACoreBurnedHere_IsCountedForThisProcessAndTheMachine()
    {
        WatchedProcess[] watched = [new("itself", Environment.ProcessId)];
        var start = CpuSnapshot.Take(watched);
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var spins = 0L;
        while (Stopwatch.GetTimestamp() < until)
        {
            spins++;
        }

        var usage = CpuSnapshot.Take(watched).Since(start, watched);

        Assert.True(spins > 0);
        // How much of a core the spin gets depends on what else the machine runs; some of it, surely.
        Assert.InRange(usage.SelfCores, 0.05, usage.MachineCoreCount);
        Assert.InRange(usage.Watched[0].Cores, usage.SelfCores - 0.03, usage.SelfCores + 0.03);
        Assert.NotNull(usage.MachineCores);
        // The machine includes this process: within the counters' resolution (10 ms per CPU at each end).
        Assert.InRange(usage.MachineCores.Value, usage.SelfCores - (0.02 * usage.MachineCoreCount) - 0.01, usage.MachineCoreCount);
    }

    private static CpuSnapshot Snapshot(double atSeconds, double self, (double Cpu, DateTime Started)?[] watched, string? stat)
        => new(
            (long)((1000 + atSeconds) * Stopwatch.Frequency),
            TimeSpan.FromSeconds(self),
            [.. watched.Select(w => w is { } p ? new ProcessCpuTime(TimeSpan.FromSeconds(p.Cpu), p.Started) : (ProcessCpuTime?)null)],
            stat is null ? null : MachineCpuTime.Parse(stat, ticksPerSecond: 100));
}
