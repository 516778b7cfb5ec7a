using Google.Protobuf.WellKnownTypes;

namespace Metering.Grpc;

/// <summary>A call that ended with a status other than OK.</summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status)
        : base(status.ToString())
    {
        Status = status;
        Trailers = new Metadata();
    }

    public RpcException(Status status, Metadata trailers)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers;
    }

    public RpcException(StatusCode code, string detail)
        : this(new Status(code, detail))
    {
    }

    public Status Status { get; }

    public StatusCode StatusCode => Status.Code;

    public Metadata Trailers { get; }

    /// <summary>
    /// An INVALID_ARGUMENT (or other code) carrying a <c>google.rpc.BadRequest</c> with one field violation per entry.
    /// </summary>
    public static RpcException WithFieldViolations(StatusCode code, string detail, IEnumerable<Google.Rpc.BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new Google.Rpc.BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var rich = new Google.Rpc.Status { Code = (int)code, Message = detail };
        rich.Details.Add(Any.Pack(badRequest));
        return new RpcException(new Status(code, detail, rich));
    }

    /// <summary>Shorthand for INVALID_ARGUMENT naming one field.</summary>
    public static RpcException InvalidField(string field, string description, string reason = "INVALID")
        => WithFieldViolations(
            StatusCode.InvalidArgument,
            $"{field}: {description}",
            [new Google.Rpc.BadRequest.Types.FieldViolation { Field = field, Description = description, Reason = reason }]);
}
