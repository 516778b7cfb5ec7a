namespace Metering.Grpc;

/// <summary>
/// The outcome of a call: a code, a developer-facing detail message and optional rich details
/// (<c>google.rpc.Status</c>, carried in the <c>grpc-status-details-bin</c> trailer).
/// </summary>
public sealed class Status
{
    public static readonly Status Ok = new(StatusCode.OK, string.Empty);

    public Status(StatusCode code, string detail, Google.Rpc.Status? richStatus = null)
    {
        Code = code;
        Detail = detail;
        RichStatus = richStatus;
    }

    public StatusCode Code { get; }

    public string Detail { get; }

    /// <summary>The <c>google.rpc.Status</c> sent as <c>grpc-status-details-bin</c>, when there is one.</summary>
    public Google.Rpc.Status? RichStatus { get; }

    public override string ToString() => $"Status(StatusCode=\"{Code}\", Detail=\"{Detail}\")";
}
