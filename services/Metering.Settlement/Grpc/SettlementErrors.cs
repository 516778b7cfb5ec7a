using Grpc.Core;
using Metering.ServiceDefaults;
using Metering.Persistence.Settlement;
using Metering.Settlement.Application;

namespace Metering.Settlement.Grpc;

/// <summary>Turns refusals of the settlement layer into gRPC statuses (with BadRequest field violations when fields are at fault).</summary>
internal static class SettlementErrors
{
    public static async Task<T> MapAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (SettlementFailure failure)
        {
            throw ToRpc(failure);
        }
        catch (FinalStatementChangeException ex)
        {
            throw RpcErrors.Plain(StatusCode.FailedPrecondition, ex.Message);
        }
    }

    public static RpcException ToRpc(SettlementFailure failure)
    {
        var code = failure.Kind switch
        {
            SettlementFailureKind.InvalidArgument => StatusCode.InvalidArgument,
            SettlementFailureKind.NotFound => StatusCode.NotFound,
            _ => StatusCode.FailedPrecondition,
        };
        return failure.Violations.Count == 0
            ? RpcErrors.Plain(code, failure.Message)
            : RpcErrors.WithFieldViolations(code, failure.Message, failure.Violations.Select(v => new Google.Rpc.BadRequest.Types.FieldViolation
            {
                Field = v.Field,
                Reason = v.Reason,
                Description = v.Description,
            }));
    }
}
