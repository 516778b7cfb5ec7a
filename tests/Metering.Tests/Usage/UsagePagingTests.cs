using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Metering.Tests.Usage;

/// <summary>
/// GetUsage pages by keyset: every grouping and granularity, paged in pages of 1, 3 and 50 rows, returns exactly the
/// rows (and totals) of one unpaged query, in order, over usage both in PostgreSQL and still live in Redis; a token is
/// only good for the query it came from.
/// </summary>
public sealed class UsagePagingTests : IClassFixture<UsagePagingTests.Fixture>
{
    private readonly Fixture _fixture;

    public UsagePagingTests(Fixture fixture) => _fixture = fixture;

    public static TheoryData<string, Granularity> Shapes()
    {
        var data = new TheoryData<string, Granularity>();
        foreach (var groupBy in new[] { "", "host", "model", "host,model" })
        {
            foreach (var granularity in new[] { Granularity.Hour, Granularity.Day, Granularity.Month, Granularity.Total })
            {
                data.Add(groupBy, granularity);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task PagedInAnySize_ReturnsExactlyTheUnpagedRowsInOrder(string groupBy, Granularity granularity)
    {
        var request = _fixture.Request(groupBy, granularity);
        var whole = await _fixture.Client.GetUsageAsync(request.Clone().With(pageSize: 10_000), Calls.As(MeteringServiceHost.AdminKey));
        Assert.Empty(whole.NextPageToken);
        Assert.NotEmpty(whole.Rows);
        foreach (var size in new[] { 1, 3, 50 })
        {
            var rows = new List<UsageRow>();
            var pages = 0;
            var page = request.Clone().With(pageSize: size);
            while (true)
            {
                var response = await _fixture.Client.GetUsageAsync(page, Calls.As(MeteringServiceHost.AdminKey));
                Assert.True(response.Rows.Count <= size);
                rows.AddRange(response.Rows);
                pages++;
                if (response.NextPageToken.Length == 0)
                {
                    break;
                }

                Assert.Equal(size, response.Rows.Count);
                Assert.True(pages <= whole.Rows.Count, $"paging by {size} did not end after {pages} pages");
                page.PageToken = response.NextPageToken;
            }

            Assert.Equal(whole.Rows, rows);
            Assert.Equal((whole.Rows.Count + size - 1) / size, pages);
        }
    }

    [Fact]
    public async Task TokenOfAnotherQuery_IsInvalidArgumentNamingPageToken()
    {
        var first = await _fixture.Client.GetUsageAsync(_fixture.Request("host,model", Granularity.Hour).With(pageSize: 2), Calls.As(MeteringServiceHost.AdminKey));
        Assert.NotEmpty(first.NextPageToken);
        var other = _fixture.Request("host", Granularity.Hour);
        other.PageToken = first.NextPageToken;
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await _fixture.Client.GetUsageAsync(other, Calls.As(MeteringServiceHost.AdminKey)));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["page_token"], Calls.ViolatedFields(ex));

        var garbage = _fixture.Request("host", Granularity.Hour);
        garbage.PageToken = "not-a-token";
        ex = await Assert.ThrowsAsync<RpcException>(async () => await _fixture.Client.GetUsageAsync(garbage, Calls.As(MeteringServiceHost.AdminKey)));
        Assert.Equal(["page_token"], Calls.ViolatedFields(ex));
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private static readonly string[] Hosts = ["page-a", "page-b", "page-c"];
        private static readonly string[] Models = ["m-1", "m-2", "x/m:3", "z"];

        private MeteringServiceHost _service = null!;
        private Grpc.Net.Client.GrpcChannel _channel = null!;

        public UsageService.UsageServiceClient Client { get; private set; } = null!;

        /// <summary>The start of the hours seeded: three days, starting 11 hours into a day (so DAY buckets are partial).</summary>
        public DateTime Start { get; private set; }

        public async Task InitializeAsync()
        {
            _service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Enabled"] = "false" });
            _channel = _service.CreateChannel();
            Client = new UsageService.UsageServiceClient(_channel);
            var now = DateTime.UtcNow;
            Start = new DateTime(now.Year, now.Month, now.Day, 11, 0, 0, DateTimeKind.Utc).AddDays(-4);
            var keys = new Dictionary<string, string>();
            foreach (var host in Hosts)
            {
                keys[host] = await Rpc.CreateHostWithKeyAsync(_channel, host);
            }

            // PostgreSQL: most hours of every host and model, skipping some, as the flusher would have written them.
            var random = new Random(42);
            await using var connection = new NpgsqlConnection(_service.Postgres);
            await connection.OpenAsync();
            for (var hour = 0; hour < 72; hour++)
            {
                var at = Start.AddHours(hour);
                await using (var partition = new NpgsqlCommand("SELECT usage_partition_for(@at)", connection))
                {
                    partition.Parameters.AddWithValue("at", at);
                    await partition.ExecuteNonQueryAsync();
                }

                foreach (var host in Hosts)
                {
                    foreach (var model in Models)
                    {
                        if (random.Next(4) == 0)
                        {
                            continue;
                        }

                        await using var insert = new NpgsqlCommand("INSERT INTO usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) VALUES (@h, @m, @t, @i, @o, 1, 0, 1)", connection);
                        insert.Parameters.AddWithValue("h", host);
                        insert.Parameters.AddWithValue("m", model);
                        insert.Parameters.AddWithValue("t", at);
                        insert.Parameters.AddWithValue("i", (long)random.Next(1, 1000));
                        insert.Parameters.AddWithValue("o", (long)random.Next(0, 100));
                        await insert.ExecuteNonQueryAsync();
                    }
                }
            }

            // Redis (not flushed): more usage, some in buckets PostgreSQL has, some in buckets it does not.
            var ingest = new IngestService.IngestServiceClient(_channel);
            var n = 0;
            foreach (var host in Hosts)
            {
                var records = Enumerable.Range(0, 40).Select(i => Rpc.Record(Models[(i + host.Length) % Models.Length], 7 + i, 1, 1, Start.AddHours(random.Next(72)).AddMinutes(5))).ToList();
                var response = await ingest.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "paging-" + n++, Records = { records } }, Calls.As(keys[host]));
                Assert.Equal(IngestResult.Accepted, response.Result);
            }
        }

        public GetUsageRequest Request(string groupBy, Granularity granularity)
        {
            var request = new GetUsageRequest
            {
                StartTime = Timestamp.FromDateTime(Start),
                EndTime = Timestamp.FromDateTime(Start.AddHours(72)),
                Granularity = granularity,
            };
            foreach (var dimension in groupBy.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                request.GroupBy.Add(dimension == "host" ? UsageGroupBy.Host : UsageGroupBy.Model);
            }

            return request;
        }

        public async Task DisposeAsync()
        {
            _channel.Dispose();
            await _service.DisposeAsync();
        }
    }
}

internal static class GetUsageRequestExtensions
{
    public static GetUsageRequest With(this GetUsageRequest request, int pageSize)
    {
        request.PageSize = pageSize;
        return request;
    }
}
