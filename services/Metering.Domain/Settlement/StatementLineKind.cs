namespace Metering.Domain.Settlement;

/// <summary>Kind of a statement line.</summary>
public enum StatementLineKind
{
    /// <summary>Usage of the statement's own period.</summary>
    Usage = 1,

    /// <summary>Late usage of an earlier, already FINAL period.</summary>
    Adjustment = 2,
}
