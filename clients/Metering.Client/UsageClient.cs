using System.Runtime.CompilerServices;
using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>Calls <c>metering.v1.UsageService</c>; obtained from <see cref="MeteringClient.Usage"/>.</summary>
public sealed class UsageClient
{
    private readonly AuthorizedCalls _calls;

    internal UsageClient(AuthorizedCalls calls) => _calls = calls;

    /// <summary>One page of usage totals.</summary>
    public Task<GetUsageResponse> GetUsageAsync(GetUsageRequest request, CancellationToken cancellationToken = default)
        => _calls.Usage.GetUsageAsync(request, _calls.Options(cancellationToken)).ResponseAsync;

    /// <summary>
    /// Every row of a usage query: requests page after page, each with the previous page's
    /// <c>next_page_token</c> and every other field unchanged, until the token is empty. <paramref name="request"/>
    /// is not modified; its <c>page_token</c> (usually empty) is where the first page starts.
    /// </summary>
    public async IAsyncEnumerable<UsageRow> GetAllUsageAsync(GetUsageRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var page = request.Clone();
        while (true)
        {
            var response = await GetUsageAsync(page, cancellationToken).ConfigureAwait(false);
            foreach (var row in response.Rows)
            {
                yield return row;
            }

            if (response.NextPageToken.Length == 0)
            {
                yield break;
            }

            page.PageToken = response.NextPageToken;
        }
    }
}
