using Metering.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Metering.Security;

/// <summary>Polls PostgreSQL for keys revoked since the last poll (by any replica) and marks them in the cache.</summary>
internal sealed partial class RevocationPoller : BackgroundService
{
    private readonly ApiKeyRepository _keys;
    private readonly ApiKeyAuthenticator _authenticator;
    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RevocationPoller> _logger;

    public RevocationPoller(ApiKeyRepository keys, ApiKeyAuthenticator authenticator, IOptions<SecurityOptions> options, TimeProvider time, ILogger<RevocationPoller> logger)
    {
        _keys = keys;
        _authenticator = authenticator;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Look back further than one interval: clocks of replicas and of PostgreSQL differ a little.
        var since = _time.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(10);
        using var timer = new PeriodicTimer(_options.RevocationPollInterval, _time);
        do
        {
            try
            {
                var pollStarted = _time.GetUtcNow().UtcDateTime;
                foreach (var keyId in await _keys.RevokedSinceAsync(since, stoppingToken))
                {
                    _authenticator.MarkRevoked(keyId);
                }

                since = pollStarted - TimeSpan.FromSeconds(30);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPollFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Polling revoked API keys failed; will retry.")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
