using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>Calls the unary <c>metering.v1.IngestService.ReportUsage</c>; obtained from <see cref="MeteringClient.Ingest"/>.</summary>
public sealed class IngestClient
{
    private readonly AuthorizedCalls _calls;

    internal IngestClient(AuthorizedCalls calls) => _calls = calls;

    /// <summary>
    /// Reports one batch, applied all or none. Retrying with the same idempotency key and the same records is safe: a
    /// repeat returns DUPLICATE. Invalid records come back as REJECTED with violations (status OK); the same key with
    /// other records fails with ALREADY_EXISTS.
    /// </summary>
    public Task<ReportUsageResponse> ReportUsageAsync(ReportUsageRequest request, CancellationToken cancellationToken = default)
        => _calls.Ingest.ReportUsageAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>Reports <paramref name="records"/> under <paramref name="idempotencyKey"/> (1 to 128 printable ASCII characters, for example a UUID).</summary>
    public Task<ReportUsageResponse> ReportUsageAsync(string idempotencyKey, IEnumerable<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        ArgumentNullException.ThrowIfNull(records);
        var request = new ReportUsageRequest { IdempotencyKey = idempotencyKey };
        request.Records.AddRange(records);
        return ReportUsageAsync(request, cancellationToken);
    }
}
