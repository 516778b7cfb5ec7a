namespace Metering.Client;

/// <summary>A problem the reporter cannot fix by retrying; passed to <see cref="UsageReporterOptions.OnError"/>.</summary>
public sealed class UsageReporterError
{
    internal UsageReporterError(UsageReporterErrorKind kind, string message, Exception? exception = null)
    {
        Kind = kind;
        Message = message;
        Exception = exception;
    }

    /// <summary>What went wrong.</summary>
    public UsageReporterErrorKind Kind { get; }

    /// <summary>A description naming the sequences, statuses or files involved.</summary>
    public string Message { get; }

    /// <summary>The underlying exception (usually a <see cref="Grpc.Core.RpcException"/>), when there is one.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind + ": " + Message;
}
