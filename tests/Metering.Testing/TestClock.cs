namespace Metering.Testing;

/// <summary>A clock the test sets; timers still run on real time.</summary>
public sealed class TestClock : TimeProvider
{
    private long _ticks;

    public TestClock(DateTime utcNow) => Set(utcNow);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTime utcNow) => Interlocked.Exchange(ref _ticks, DateTime.SpecifyKind(utcNow, DateTimeKind.Utc).Ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
