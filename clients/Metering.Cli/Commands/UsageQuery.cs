using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>A bound <c>metering usage</c> command line: the first page's request and how to write the rows.</summary>
internal sealed record UsageQuery(GetUsageRequest Request, ExportFormat Format);
