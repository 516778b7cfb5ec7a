using System.Globalization;
using Grpc.Core;
using Metering.ServiceDefaults;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>
/// The statuses the real ingest service ends a stream with (services/Metering.Service/MeteringErrors.cs), built the
/// same way: rich statuses from <see cref="RpcErrors"/>.
/// </summary>
public static class IngestStatuses
{
    /// <summary>FAILED_PRECONDITION with ErrorInfo{reason SEQUENCE_GAP, domain metering.v1, metadata expected_sequence}.</summary>
    public static RpcException SequenceGap(ulong sequence, ulong expected)
        => RpcErrors.WithErrorInfo(
            StatusCode.FailedPrecondition,
            string.Create(CultureInfo.InvariantCulture, $"sequence {sequence} is out of order: expected sequence {expected}"),
            "SEQUENCE_GAP",
            new Dictionary<string, string> { ["expected_sequence"] = expected.ToString(CultureInfo.InvariantCulture) });

    /// <summary>UNAUTHENTICATED, as for an unknown key or one revoked while its stream is open.</summary>
    public static RpcException Unauthenticated(string message = "Missing or unknown API key.") => RpcErrors.Plain(StatusCode.Unauthenticated, message);
}
