using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.LoadGen.Rpc;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Verification;

/// <summary>
/// Compares what the service ACCEPTED (the tally of the batches whose ack said so) with what UsageService.GetUsage
/// reports for the run's hosts, grouped by host and model, over whole hours covering the run. Every counter must be
/// equal and no other (host, model) may appear.
/// </summary>
internal static class ExactlyOnceVerifier
{
    public static async Task<VerificationResult> VerifyAsync(
        GrpcChannel channel, string adminKey, IReadOnlyList<string> hosts, ModelCatalog catalog, IReadOnlyList<UsageTally> expectedByHost,
        DateTime runStart, DateTime runEnd, CancellationToken cancellationToken)
    {
        var expected = new Dictionary<(string Host, string Model), Counters>();
        for (var h = 0; h < hosts.Count; h++)
        {
            var tally = expectedByHost[h];
            for (var m = 0; m < catalog.Count; m++)
            {
                var counters = new Counters(tally.InputTokens[m], tally.OutputTokens[m], tally.Requests[m], tally.BilledMicros[m]);
                if (counters != default)
                {
                    expected[(hosts[h], catalog.Names[m])] = counters;
                }
            }
        }

        // Event times lie in [run start - 1 min, run end]; whole hours around that, with margin.
        var start = FloorHour(runStart).AddHours(-1);
        var end = FloorHour(runEnd).AddHours(2);
        Dictionary<(string Host, string Model), Counters> counted;
        try
        {
            counted = await ReadAsync(channel, adminKey, hosts, start, end, cancellationToken);
        }
        catch (RpcException ex)
        {
            return new VerificationResult(false, -1, expected.Count, [], $"GetUsage failed: {ex.StatusCode}: {ex.Status.Detail}");
        }

        var mismatches = Compare(expected, counted);
        var recordsCounted = counted.Values.Sum(c => c.Requests);
        if (mismatches.Count == 0)
        {
            return new VerificationResult(true, recordsCounted, expected.Count, [], null);
        }

        // A second look tells a lasting difference from a query that was inconsistent for a moment (both are bugs).
        string note = "later reads (2 s and 5 s on) still disagree";
        foreach (var delay in new[] { 2, 3 })
        {
            await Task.Delay(TimeSpan.FromSeconds(delay), cancellationToken);
            List<string> again;
            try
            {
                again = Compare(expected, await ReadAsync(channel, adminKey, hosts, start, end, cancellationToken));
            }
            catch (RpcException)
            {
                continue;
            }

            if (again.Count == 0)
            {
                note = "a later read agreed: GetUsage was inconsistent for a moment (the first read is what counts)";
                break;
            }
        }

        return new VerificationResult(false, recordsCounted, expected.Count, mismatches, note);
    }

    private static async Task<Dictionary<(string Host, string Model), Counters>> ReadAsync(
        GrpcChannel channel, string adminKey, IReadOnlyList<string> hosts, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<(string Host, string Model), Counters>();
        var request = new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTime(start),
            EndTime = Timestamp.FromDateTime(end),
            HostIds = { hosts },
            GroupBy = { UsageGroupBy.Host, UsageGroupBy.Model },
            Granularity = Granularity.Total,
            PageSize = 10_000,
        };
        while (true)
        {
            var page = await new UsageService.UsageServiceClient(channel).GetUsageAsync(request, MeteringMethods.Bearer(adminKey), cancellationToken: cancellationToken);
            foreach (var row in page.Rows)
            {
                var key = (row.HostId, row.Model);
                var counters = new Counters(row.InputTokens, row.OutputTokens, row.Requests, row.BilledMicros);
                rows[key] = rows.TryGetValue(key, out var seen) ? seen + counters : counters;
            }

            if (page.NextPageToken.Length == 0)
            {
                return rows;
            }

            request.PageToken = page.NextPageToken;
        }
    }

    private static List<string> Compare(Dictionary<(string Host, string Model), Counters> expected, Dictionary<(string Host, string Model), Counters> counted)
    {
        var mismatches = new List<string>();
        foreach (var key in expected.Keys.Union(counted.Keys).OrderBy(k => k.Host, StringComparer.Ordinal).ThenBy(k => k.Model, StringComparer.Ordinal))
        {
            var want = expected.GetValueOrDefault(key);
            var got = counted.GetValueOrDefault(key);
            Check("input_tokens", want.InputTokens, got.InputTokens);
            Check("output_tokens", want.OutputTokens, got.OutputTokens);
            Check("requests", want.Requests, got.Requests);
            Check("billed_micros", want.BilledMicros, got.BilledMicros);

            void Check(string field, long accepted, long reported)
            {
                if (accepted != reported)
                {
                    mismatches.Add($"{key.Host} {key.Model} {field}: accepted {accepted:N0}, counted {reported:N0} ({reported - accepted:+#,0;-#,0})");
                }
            }
        }

        return mismatches;
    }

    private static DateTime FloorHour(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, DateTimeKind.Utc);

    private readonly record struct Counters(long InputTokens, long OutputTokens, long Requests, long BilledMicros)
    {
        public static Counters operator +(Counters a, Counters b)
            => new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.Requests + b.Requests, a.BilledMicros + b.BilledMicros);
    }
}
