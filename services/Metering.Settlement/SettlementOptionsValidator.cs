using Microsoft.Extensions.Options;

namespace Metering.Settlement;

/// <summary>Reports the first invalid settlement setting by its name, so a bad value stops the start.</summary>
internal sealed class SettlementOptionsValidator : IValidateOptions<SettlementOptions>
{
    public ValidateOptionsResult Validate(string? name, SettlementOptions options)
    {
        if (options.FinalizeGracePeriod < TimeSpan.Zero || options.FinalizeGracePeriod > TimeSpan.FromDays(28))
        {
            return ValidateOptionsResult.Fail("Settlement:FinalizeGracePeriod must be between 0 and 28 days (e.g. \"3.00:00:00\").");
        }

        if (options.RunInterval < TimeSpan.FromSeconds(1) || options.RunInterval > TimeSpan.FromDays(1))
        {
            return ValidateOptionsResult.Fail("Settlement:RunInterval must be between 1 second and 1 day (e.g. \"01:00:00\").");
        }

        if (options.AdjustmentLookbackMonths is < 1 or > 24)
        {
            return ValidateOptionsResult.Fail("Settlement:AdjustmentLookbackMonths must be between 1 and 24.");
        }

        return ValidateOptionsResult.Success;
    }
}
