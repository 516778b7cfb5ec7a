using System.Text;
using Google.Rpc;
using Metering.Cli.CommandLine;
using Grpc.Core;

namespace Metering.Cli.Rendering;

/// <summary>
/// Prints a failed call: the status code (as gRPC spells it), the server's message, every BadRequest field violation and
/// ErrorInfo detail, and for UNAVAILABLE which address was called.
/// </summary>
internal static class RpcErrorWriter
{
    public static void Write(TextWriter writer, RpcException exception, GlobalOptions globals, ServiceTarget target)
    {
        var status = exception.Status;
        writer.WriteLine($"error: {CodeName(status.StatusCode)} ({(int)status.StatusCode}): {status.Detail}");
        if (exception.GetRpcStatus() is { } rich)
        {
            foreach (var detail in rich.Details)
            {
                if (detail.TryUnpack<BadRequest>(out var badRequest) && badRequest.FieldViolations.Count > 0)
                {
                    writer.WriteLine("  field violations:");
                    foreach (var violation in badRequest.FieldViolations)
                    {
                        var reason = violation.Reason.Length > 0 ? $" [{violation.Reason}]" : string.Empty;
                        writer.WriteLine($"    {(violation.Field.Length > 0 ? violation.Field : "(request)")}: {violation.Description}{reason}");
                    }
                }
                else if (detail.TryUnpack<ErrorInfo>(out var info))
                {
                    var metadata = string.Join(", ", info.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key}={m.Value}"));
                    writer.WriteLine($"  reason: {info.Reason} (domain {info.Domain}{(metadata.Length > 0 ? "; " + metadata : string.Empty)})");
                }
            }
        }

        switch (status.StatusCode)
        {
            case StatusCode.Unavailable:
                if (target.HasFlag(ServiceTarget.Metering))
                {
                    writer.WriteLine($"  is the metering service running at {globals.Address.OriginalString}? (set {GlobalOptions.AddressOption} or {GlobalOptions.AddressVariable})");
                }

                if (target.HasFlag(ServiceTarget.Settlement))
                {
                    writer.WriteLine($"  is the settlement service running at {globals.SettlementAddress.OriginalString}? (set {GlobalOptions.SettlementAddressOption} or {GlobalOptions.SettlementAddressVariable})");
                }

                break;
            case StatusCode.Unauthenticated:
                writer.WriteLine($"  check the API key ({GlobalOptions.KeyOption} or {GlobalOptions.KeyVariable}): it may be mistyped or revoked");
                break;
            case StatusCode.PermissionDenied:
                writer.WriteLine("  the API key's role does not allow this (HOST keys see only their own host; agreements and keys need ADMIN; deciding corrections and disputes needs BILLING or ADMIN)");
                break;
        }
    }

    /// <summary>The code as the gRPC spec writes it: <c>INVALID_ARGUMENT</c>.</summary>
    public static string CodeName(StatusCode code)
    {
        if (code == StatusCode.OK)
        {
            return "OK";
        }

        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }
}
