using System.Globalization;
using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>UsageService with three pages of two rows; page tokens are "page-1" and "page-2".</summary>
public sealed class FakeUsageService(CallLog log) : UsageService.UsageServiceBase
{
    public override Task<GetUsageResponse> GetUsage(GetUsageRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        log.UsageRequests.Enqueue(request.Clone());
        var page = request.PageToken.Length == 0 ? 0 : int.Parse(request.PageToken["page-".Length..], CultureInfo.InvariantCulture);
        var response = new GetUsageResponse { NextPageToken = page < 2 ? $"page-{page + 1}" : string.Empty };
        for (var i = 0; i < 2; i++)
        {
            response.Rows.Add(new UsageRow { Model = $"model-{(page * 2) + i}", InputTokens = (page * 2) + i });
        }

        return Task.FromResult(response);
    }
}
