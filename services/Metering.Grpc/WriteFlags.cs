namespace Metering.Grpc;

/// <summary>Per-message write options.</summary>
[Flags]
public enum WriteFlags
{
    None = 0,

    /// <summary>Send this message uncompressed even when the call compresses its messages.</summary>
    NoCompress = 1,
}
