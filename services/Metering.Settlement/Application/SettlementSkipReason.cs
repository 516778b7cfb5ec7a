namespace Metering.Settlement.Application;

/// <summary>Why a run wrote no statement for a host.</summary>
internal enum SettlementSkipReason
{
    /// <summary>The host's statement for the period is FINAL; left as is.</summary>
    Final = 1,

    /// <summary>No agreement of the host is in force for the period.</summary>
    NoAgreement = 2,
}
