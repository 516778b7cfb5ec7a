using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Metering.Settlement.Scheduling;

/// <summary>Runs <see cref="SettlementCycle"/> at start and then every Settlement:RunInterval, unless Settlement:SchedulerEnabled is false.</summary>
internal sealed partial class SettlementScheduler : BackgroundService
{
    private readonly SettlementCycle _cycle;
    private readonly SettlementOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SettlementScheduler> _logger;

    public SettlementScheduler(SettlementCycle cycle, IOptions<SettlementOptions> options, TimeProvider time, ILogger<SettlementScheduler> logger)
    {
        _cycle = cycle;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.SchedulerEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.RunInterval, _time);
        do
        {
            try
            {
                var result = await _cycle.RunOnceAsync(stoppingToken);
                LogCycle(_logger, result.MonthsRun.Count, result.Finalized.Count, result.LeftDraft.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogCycleFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Settlement pass: {Months} month(s) recomputed, {Finalized} statement(s) finalized, {LeftDraft} left DRAFT.")]
    private static partial void LogCycle(ILogger logger, int months, int finalized, int leftDraft);

    [LoggerMessage(EventId = 311, Level = LogLevel.Error, Message = "Settlement pass failed; retrying at the next interval.")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
