using Google.Protobuf;
using Grpc.Core;

namespace Metering.Tests.Interop;

/// <summary>
/// What metering_client.py saw for one call: the responses, the status, and the google.rpc.Status that grpcio
/// received in grpc-status-details-bin and the Python side decoded (null when there was none).
/// </summary>
internal sealed record PythonCallResult(string Method, IReadOnlyList<IMessage> Responses, StatusCode Code, string CodeName, string Message, Google.Rpc.Status? Details)
{
    /// <summary>The receipt chain Python computed from its own sent bytes (sequence, H(request) hex, chain hex), for a call that asked.</summary>
    public IReadOnlyList<(ulong Sequence, string RequestSha256, string Chain)> OwnChain { get; init; } = [];

    public IReadOnlyList<T> ResponsesOf<T>()
        where T : IMessage => Responses.Cast<T>().ToList();

    public override string ToString() => $"{Method}: {CodeName} '{Message}', {Responses.Count} responses, details {Details}";
}
