using Metering.Contracts.V1;

namespace Metering.Service.Ingest;

/// <summary>A ReportUsage request as received: the parsed message and the SHA-256 of its bytes (its receipt's H(request)).</summary>
internal sealed record ReceivedReport(ReportUsageRequest Request, byte[] RequestSha256);
