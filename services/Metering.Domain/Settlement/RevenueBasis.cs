namespace Metering.Domain.Settlement;

/// <summary>What a host's gross revenue is computed from.</summary>
public enum RevenueBasis
{
    /// <summary>What the host reported billing: the sum of billed_micros / 1,000,000.</summary>
    Reported = 1,

    /// <summary>Usage priced with the agreement's rate card.</summary>
    RateCard = 2,
}
