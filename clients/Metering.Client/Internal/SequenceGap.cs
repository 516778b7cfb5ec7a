using System.Globalization;
using Google.Rpc;
using Grpc.Core;

namespace Metering.Client.Internal;

/// <summary>Reads the FAILED_PRECONDITION a stream ends with on a sequence gap (ingest.proto, StreamUsage).</summary>
internal static class SequenceGap
{
    public const string Reason = "SEQUENCE_GAP";
    public const string Domain = "metering.v1";
    public const string ExpectedSequenceKey = "expected_sequence";

    /// <summary>The sequence the server expects, when <paramref name="exception"/> is a sequence gap.</summary>
    public static bool TryGetExpectedSequence(RpcException exception, out ulong expected)
    {
        expected = 0;
        if (exception.StatusCode != StatusCode.FailedPrecondition || exception.GetRpcStatus() is not { } rich)
        {
            return false;
        }

        foreach (var detail in rich.Details)
        {
            if (detail.TryUnpack<ErrorInfo>(out var info)
                && info.Reason == Reason
                && info.Metadata.TryGetValue(ExpectedSequenceKey, out var text)
                && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out expected)
                && expected > 0)
            {
                return true;
            }
        }

        return false;
    }
}
