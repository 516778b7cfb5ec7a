namespace Metering.Client.Internal;

/// <summary>Exponential backoff with jitter: attempt n waits between half and all of min(base * 2^n, max).</summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _base;
    private readonly TimeSpan _max;
    private int _failures;

    public ReconnectBackoff(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        _base = baseDelay;
        _max = maxDelay;
    }

    public void Reset() => _failures = 0;

    public TimeSpan Next()
    {
        var ceiling = _base.Ticks * Math.Pow(2, Math.Min(_failures, 30));
        var capped = (long)Math.Min(ceiling, _max.Ticks);
        _failures++;
        var half = capped / 2;
        return TimeSpan.FromTicks(half + Random.Shared.NextInt64(0, capped - half + 1));
    }
}
