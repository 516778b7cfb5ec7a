namespace Metering.Service.Ingest;

/// <summary>
/// The adjustment look-back, read from the key the settlement service uses so one setting governs both. Bound from
/// configuration section "Settlement".
/// </summary>
internal sealed class AdjustmentLookbackOptions
{
    /// <summary>Months before a statement's period whose FINAL statements it still corrects. Defaults to 3. 1 to 24.</summary>
    public int AdjustmentLookbackMonths { get; set; } = 3;
}
