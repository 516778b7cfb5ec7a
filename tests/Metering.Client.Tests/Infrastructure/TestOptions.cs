namespace Metering.Client.Tests.Infrastructure;

/// <summary>Reporter options with test-sized delays.</summary>
public static class TestOptions
{
    /// <summary>
    /// Batches close by size or flush only (a minute-long age), so tests can count on batch boundaries even on a
    /// loaded machine; tests of age-based closing set <see cref="UsageReporterOptions.MaxBatchAge"/> themselves.
    /// </summary>
    public static UsageReporterOptions For(Uri address, Action<UsageReporterOptions>? configure = null)
    {
        var options = new UsageReporterOptions
        {
            Address = address,
            ApiKey = FakeIngestService.HostKey,
            MaxBatchAge = TimeSpan.FromMinutes(1),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
            AuthFailureRetryDelay = TimeSpan.FromSeconds(30),
            DisposeFlushTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A deadline for waits that must not hang a failing test.</summary>
    public static CancellationToken Within(int seconds = 15) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static async Task WaitUntilAsync(Func<bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }

            await Task.Delay(10);
        }
    }
}
