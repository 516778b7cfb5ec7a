using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Metering.ServiceDefaults;

/// <summary>
/// Rich gRPC errors for the handler edge of both services: a <c>google.rpc.Status</c> in
/// <c>grpc-status-details-bin</c> (packed by Grpc.StatusProto) carrying a <c>BadRequest</c> with one field violation
/// per problem, or an <c>ErrorInfo</c>. The status message is the same text as the rich status's message.
/// </summary>
public static class RpcErrors
{
    /// <summary>The domain of every ErrorInfo the services send.</summary>
    public const string Domain = "metering.v1";

    /// <summary>A status with a code and a message only.</summary>
    public static RpcException Plain(Grpc.Core.StatusCode code, string message) => new(new Grpc.Core.Status(code, message));

    /// <summary>INVALID_ARGUMENT naming one field.</summary>
    public static RpcException InvalidField(string field, string description, string reason = "INVALID")
        => WithFieldViolations(Grpc.Core.StatusCode.InvalidArgument, $"{field}: {description}", [new BadRequest.Types.FieldViolation { Field = field, Description = description, Reason = reason }]);

    /// <summary>A status of <paramref name="code"/> carrying a BadRequest with these violations.</summary>
    public static RpcException WithFieldViolations(Grpc.Core.StatusCode code, string message, IEnumerable<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        return new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(badRequest) } }.ToRpcException();
    }

    /// <summary>A status of <paramref name="code"/> carrying an ErrorInfo (reason, domain <see cref="Domain"/>, metadata).</summary>
    public static RpcException WithErrorInfo(Grpc.Core.StatusCode code, string message, string reason, IReadOnlyDictionary<string, string> metadata)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        foreach (var (key, value) in metadata)
        {
            info.Metadata[key] = value;
        }

        return new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } }.ToRpcException();
    }
}
