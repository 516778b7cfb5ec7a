using Google.Rpc;
using Grpc.Core;

namespace Metering.Testing;

/// <summary>Call helpers every test project uses: bearer credentials and readers of the rich errors the services send.</summary>
public static class Calls
{
    /// <summary>Headers carrying <c>authorization: Bearer &lt;key&gt;</c>.</summary>
    public static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    /// <summary>Call options carrying the key (and a cancellation token).</summary>
    public static CallOptions As(string key, CancellationToken cancellationToken = default) => new(Bearer(key), cancellationToken: cancellationToken);

    /// <summary>Every BadRequest field violation of an error, in order.</summary>
    public static IReadOnlyList<BadRequest.Types.FieldViolation> Violations(RpcException exception)
        => exception.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations.ToList() ?? [];

    /// <summary>The field paths of the BadRequest violations an error carries.</summary>
    public static IReadOnlyList<string> ViolatedFields(RpcException exception) => Violations(exception).Select(v => v.Field).ToList();

    /// <summary>The ErrorInfo of an error, or null.</summary>
    public static ErrorInfo? ErrorInfo(RpcException exception) => exception.GetRpcStatus()?.GetDetail<ErrorInfo>();
}
