namespace Metering.Cli.Commands;

/// <summary>Reads a paged list RPC page after page (each page's next_page_token into the next request) up to a limit.</summary>
internal static class Paging
{
    /// <summary>
    /// The first <paramref name="limit"/> items: <paramref name="fetch"/> gets the page for a page token ("" for the
    /// first) and returns its items and its next_page_token ("" after the last page).
    /// </summary>
    public static async Task<List<T>> TakeAsync<T>(int limit, Func<string, Task<(IEnumerable<T> Items, string NextPageToken)>> fetch)
    {
        var items = new List<T>();
        var token = string.Empty;
        do
        {
            var (page, next) = await fetch(token);
            items.AddRange(page.Take(limit - items.Count));
            token = next;
        }
        while (token.Length > 0 && items.Count < limit);

        return items;
    }
}
