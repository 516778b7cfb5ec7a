using System.Globalization;
using Metering.Client.Internal;
using Grpc.Core;
using Grpc.Net.Client;

namespace Metering.Client;

/// <summary>
/// Settings of a <see cref="UsageReporter"/>. Checked when the reporter is constructed: a bad setting throws
/// <see cref="ArgumentException"/> whose message names it (for example <c>UsageReporterOptions.MaxBatchRecords</c>).
/// </summary>
public sealed class UsageReporterOptions
{
    /// <summary>Largest number of records in one batch: the server's per-message limit.</summary>
    public const int MaxRecordsPerBatch = 10_000;

    /// <summary>
    /// The metering endpoint, <c>http://</c> (h2c) or <c>https://</c> (TLS with ALPN h2); the reporter opens and owns
    /// a Grpc.Net.Client channel to it (with <see cref="ChannelOptions"/>). Exactly one of <see cref="Address"/>,
    /// <see cref="Channel"/> and <see cref="CallInvoker"/> is required.
    /// </summary>
    public Uri? Address { get; set; }

    /// <summary>
    /// A channel of the gateway's own (its retry policy, load balancing, HTTP handler, instrumentation); the reporter
    /// calls through it and never disposes it. Defaults to null.
    /// </summary>
    public GrpcChannel? Channel { get; set; }

    /// <summary>
    /// A call invoker of the gateway's own, for example a channel with interceptors (<c>channel.Intercept(...)</c>);
    /// the reporter calls through it and never disposes it. Defaults to null.
    /// </summary>
    public CallInvoker? CallInvoker { get; set; }

    /// <summary>The host's API key (a HOST key), sent as <c>authorization: Bearer &lt;key&gt;</c>. Required.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Grpc.Net.Client options of the channel the reporter opens for <see cref="Address"/> (HTTP handler, message
    /// limits). Defaults to null (Grpc.Net.Client's defaults). Not allowed with <see cref="Channel"/> or <see cref="CallInvoker"/>.
    /// </summary>
    public GrpcChannelOptions? ChannelOptions { get; set; }

    /// <summary>
    /// The producer id: 1 to 128 characters of <c>[A-Za-z0-9._:/-]</c>, unique per sending process. Defaults to null:
    /// the id stored in <see cref="SpoolDirectory"/>, or else a new GUID per reporter. Without a spool a fixed id must
    /// not be reused by a new process: it would start again at sequence 1, which the server answers DUPLICATE until it
    /// passes the old last sequence (reported as <see cref="UsageReporterErrorKind.ProducerConflict"/>).
    /// </summary>
    public string? ProducerId { get; set; }

    /// <summary>A batch is closed when it holds this many records. Defaults to 500; 1 to 10,000.</summary>
    public int MaxBatchRecords { get; set; } = 500;

    /// <summary>A batch is closed when its first record is this old. Defaults to 100 ms; above zero, at most 1 minute.</summary>
    public TimeSpan MaxBatchAge { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Batches written on the stream and not yet acknowledged (the pipeline depth). Defaults to 32; 1 to 1,024.</summary>
    public int MaxInFlightBatches { get; set; } = 32;

    /// <summary>
    /// Records held in memory at most: the open batch plus every batch not yet acknowledged. Defaults to 1,000,000
    /// (roughly 150 MB); at least <see cref="MaxBatchRecords"/>. What happens beyond it is <see cref="OverflowPolicy"/>.
    /// </summary>
    public long MaxBufferedRecords { get; set; } = 1_000_000;

    /// <summary>What <see cref="UsageReporter.Record"/> does when the buffer is full. Defaults to <see cref="Client.OverflowPolicy.Block"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.Block;

    /// <summary>
    /// Longest wait of <see cref="UsageReporter.Record"/> for room under <see cref="Client.OverflowPolicy.Block"/>.
    /// Defaults to 50 ms; 0 to 10 s.
    /// </summary>
    public TimeSpan MaxBlock { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// First delay before reconnecting after a failed stream; doubled per consecutive failure up to
    /// <see cref="ReconnectMaxDelay"/>, each delay drawn between half and all of its value (jitter). Defaults to 100 ms.
    /// </summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between reconnects. Defaults to 10 s; at least <see cref="ReconnectBaseDelay"/>.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Delay before retrying after UNAUTHENTICATED, PERMISSION_DENIED or a refused stream: a long pause rather than a
    /// blind retry loop. Defaults to 60 s; above zero.
    /// </summary>
    public TimeSpan AuthFailureRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long <see cref="UsageReporter.DisposeAsync"/> waits for everything to be acknowledged before it stops.
    /// Unacknowledged batches stay in the spool (when there is one) and are lost otherwise. Defaults to 5 s; 0 or more.
    /// </summary>
    public TimeSpan DisposeFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A directory for the on-disk spool, or null (the default) for none. Every closed batch is appended there before
    /// it is sent and kept until acknowledged; a reporter started on the same directory resumes the same producer id,
    /// its next sequence and every unacknowledged batch. One reporter at a time may use a directory (it is locked).
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>
    /// Whether spool appends are flushed to the disk (fsync) before the batches are sent. Defaults to true: a batch the
    /// server may have seen survives a power loss or kernel crash, not only a process crash. With false the data
    /// reaches the operating system's cache only; a power loss may then lose batches the server applied, and the new
    /// process reuses their sequence numbers (reported as <see cref="UsageReporterErrorKind.ProducerConflict"/>).
    /// One fsync covers every batch closed since the previous one. The acknowledged watermark is never fsynced: after
    /// a crash the reporter may resend acknowledged batches, which the server answers DUPLICATE.
    /// </summary>
    public bool SpoolFlushToDisk { get; set; } = true;

    /// <summary>A spool segment file is closed when it reaches this size and deleted once every batch in it is acknowledged. Defaults to 16 MiB; 4 KiB to 1 GiB.</summary>
    public long SpoolSegmentBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Compress request messages with gzip. Defaults to false.</summary>
    public bool CompressRequests { get; set; }

    /// <summary>The clock (event times, batch ages, backoff). Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Called for every batch the server answers REJECTED. Runs on the reporter's background task: keep it short and do
    /// not block. Exceptions it throws are logged and ignored. Defaults to null.
    /// </summary>
    public Action<RejectedBatch>? OnRejected { get; set; }

    /// <summary>
    /// Called for problems retrying cannot fix (authentication, lost sequences, producer conflicts, spool failures).
    /// Runs on the reporter's background task: keep it short and do not block. Exceptions it throws are logged and
    /// ignored. Defaults to null.
    /// </summary>
    public Action<UsageReporterError>? OnError { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    internal void Validate()
    {
        var targets = (Address is null ? 0 : 1) + (Channel is null ? 0 : 1) + (CallInvoker is null ? 0 : 1);
        if (targets != 1)
        {
            Fail(nameof(Address), targets == 0 ? "is required (or set Channel or CallInvoker)" : "Address, Channel and CallInvoker are exclusive: set exactly one");
        }

        if (Address is not null && (!Address.IsAbsoluteUri || (Address.Scheme != Uri.UriSchemeHttp && Address.Scheme != Uri.UriSchemeHttps)))
        {
            Fail(nameof(Address), $"must be an absolute http:// or https:// address, not '{Address}'");
        }

        if (Address is null && ChannelOptions is not null)
        {
            Fail(nameof(ChannelOptions), "applies only to the channel opened for Address; configure your own Channel instead");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            Fail(nameof(ApiKey), "is required");
        }

        if (ApiKey.Any(c => c is < '!' or > '~'))
        {
            Fail(nameof(ApiKey), "must be printable ASCII without spaces");
        }

        if (ProducerId is not null && !RecordValidation.IsValidIdentifier(ProducerId))
        {
            Fail(nameof(ProducerId), $"must be 1 to 128 characters of [A-Za-z0-9._:/-], not '{ProducerId}'");
        }

        if (MaxBatchRecords is < 1 or > MaxRecordsPerBatch)
        {
            Fail(nameof(MaxBatchRecords), $"must be between 1 and 10,000, not {MaxBatchRecords.ToString(CultureInfo.InvariantCulture)}");
        }

        RequireRange(nameof(MaxBatchAge), MaxBatchAge, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(1), "above zero and at most 1 minute");

        if (MaxInFlightBatches is < 1 or > 1024)
        {
            Fail(nameof(MaxInFlightBatches), $"must be between 1 and 1,024, not {MaxInFlightBatches.ToString(CultureInfo.InvariantCulture)}");
        }

        if (MaxBufferedRecords < MaxBatchRecords)
        {
            Fail(nameof(MaxBufferedRecords), $"must be at least MaxBatchRecords ({MaxBatchRecords.ToString(CultureInfo.InvariantCulture)}), not {MaxBufferedRecords.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!Enum.IsDefined(OverflowPolicy))
        {
            Fail(nameof(OverflowPolicy), $"has an unknown value {(int)OverflowPolicy}");
        }

        RequireRange(nameof(MaxBlock), MaxBlock, TimeSpan.Zero, TimeSpan.FromSeconds(10), "between 0 and 10 seconds");
        RequireRange(nameof(ReconnectBaseDelay), ReconnectBaseDelay, TimeSpan.FromTicks(1), TimeSpan.FromMinutes(10), "above zero and at most 10 minutes");
        RequireRange(nameof(ReconnectMaxDelay), ReconnectMaxDelay, ReconnectBaseDelay, TimeSpan.FromHours(1), "at least ReconnectBaseDelay and at most 1 hour");
        RequireRange(nameof(AuthFailureRetryDelay), AuthFailureRetryDelay, TimeSpan.FromTicks(1), TimeSpan.FromHours(1), "above zero and at most 1 hour");
        RequireRange(nameof(DisposeFlushTimeout), DisposeFlushTimeout, TimeSpan.Zero, TimeSpan.FromHours(1), "between 0 and 1 hour");

        if (SpoolDirectory is not null && string.IsNullOrWhiteSpace(SpoolDirectory))
        {
            Fail(nameof(SpoolDirectory), "must be null or a directory path");
        }

        if (SpoolSegmentBytes is < 4096 or > 1L << 30)
        {
            Fail(nameof(SpoolSegmentBytes), $"must be between 4,096 and 1,073,741,824, not {SpoolSegmentBytes.ToString(CultureInfo.InvariantCulture)}");
        }

        if (TimeProvider is null)
        {
            Fail(nameof(TimeProvider), "is required");
        }
    }

    private static void RequireRange(string name, TimeSpan value, TimeSpan min, TimeSpan max, string rule)
    {
        if (value < min || value > max)
        {
            Fail(name, $"must be {rule}, not {value.ToString("c", CultureInfo.InvariantCulture)}");
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string name, string problem)
        => throw new ArgumentException($"UsageReporterOptions.{name} {problem}.", "options");
}
