namespace Metering.Domain.Settlement;

/// <summary>Lifecycle of a statement.</summary>
public enum StatementStatus
{
    /// <summary>Recomputed on every settlement run.</summary>
    Draft = 1,

    /// <summary>Frozen; never changes again.</summary>
    Final = 2,
}
