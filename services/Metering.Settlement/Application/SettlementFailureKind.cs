namespace Metering.Settlement.Application;

/// <summary>Why a settlement operation was refused; maps onto a gRPC status code.</summary>
internal enum SettlementFailureKind
{
    InvalidArgument,
    NotFound,
    FailedPrecondition,
}
