using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Metering.Tests.Usage;

/// <summary>
/// GetUsage's views: CORRECTED (the default) adds approved corrections to counted usage, RAW leaves them out,
/// CORRECTIONS shows them alone (here a correction of tokens only, so its requests are 0); a PROPOSED correction never counts; a correction over several hours appears in a
/// day bucket holding its whole range but in no hour bucket.
/// </summary>
public sealed class UsageViewTests : IAsyncLifetime
{
    private static readonly DateTime Day = new(2025, 3, 4, 0, 0, 0, DateTimeKind.Utc);

    private MeteringServiceHost _service = null!;
    private Grpc.Net.Client.GrpcChannel _channel = null!;

    [Fact]
    public async Task Views_SplitCountedUsageAndApprovedCorrections()
    {
        var total = await QueryAsync(UsageView.Unspecified, Granularity.Total);
        var corrected = await QueryAsync(UsageView.Corrected, Granularity.Total);
        var raw = await QueryAsync(UsageView.Raw, Granularity.Total);
        var corrections = await QueryAsync(UsageView.Corrections, Granularity.Total);

        Assert.Equal((1000L, 2L), (raw.Single().InputTokens, raw.Single().Requests));
        Assert.Equal((-300L, 0L), (corrections.Single().InputTokens, corrections.Single().Requests));
        Assert.Equal((700L, 2L), (corrected.Single().InputTokens, corrected.Single().Requests));
        Assert.Equal(corrected, total);
    }

    [Fact]
    public async Task MultiHourCorrection_IsInItsDayButInNoHour()
    {
        var hours = await QueryAsync(UsageView.Corrected, Granularity.Hour);
        var days = await QueryAsync(UsageView.Corrected, Granularity.Day);

        Assert.Equal([600L, 400L], hours.Select(r => r.InputTokens));
        Assert.Equal(700L, Assert.Single(days).InputTokens);
    }

    [Fact]
    public async Task UnknownView_IsInvalidArgumentNamingView()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => QueryAsync((UsageView)42, Granularity.Total));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(["view"], Calls.ViolatedFields(ex));
    }

    public async Task InitializeAsync()
    {
        _service = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Enabled"] = "false" });
        _channel = _service.CreateChannel();
        await Rpc.CreateHostWithKeyAsync(_channel, "view-host");
        await using var connection = new NpgsqlConnection(_service.Postgres);
        await connection.OpenAsync();
        await using (var partition = new NpgsqlCommand("SELECT usage_partition_for(@at)", connection))
        {
            partition.Parameters.AddWithValue("at", Day);
            await partition.ExecuteNonQueryAsync();
        }

        foreach (var (hour, input) in new[] { (3, 600L), (4, 400L) })
        {
            await using var insert = new NpgsqlCommand("INSERT INTO usage_hourly (host_id, model, hour, input_tokens, output_tokens, requests, billed_micros, records) VALUES ('view-host', 'm', @t, @i, 0, 1, 0, 1)", connection);
            insert.Parameters.AddWithValue("t", Day.AddHours(hour));
            insert.Parameters.AddWithValue("i", input);
            await insert.ExecuteNonQueryAsync();
        }

        // Approved: -300 input tokens over 03:00-05:00; proposed (never counts): -100 over the whole month.
        foreach (var (id, state, from, to, input) in new[]
        {
            ("co_00000000000000a1", "APPROVED", Day.AddHours(3), Day.AddHours(5), -300L),
            ("co_00000000000000a2", "PROPOSED", new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 4, 1, 0, 0, 0, DateTimeKind.Utc), -100L),
        })
        {
            var approved = state == "APPROVED";
            await using var insert = new NpgsqlCommand("""
                INSERT INTO usage_corrections (correction_id, host_id, model, period, from_hour, to_hour, input_tokens, output_tokens, requests, billed_micros,
                    reason_code, reason, state, proposed_at, proposed_by_key_id, proposed_by_role, decided_at, decided_by_key_id, decided_by_role)
                VALUES (@id, 'view-host', 'm', '2025-03-01', @from, @to, @input, 0, 0, 0, 'REFUND', 'test', @state, now(), 'k', 'BILLING',
                    CASE WHEN @approved THEN now() END, CASE WHEN @approved THEN 'k' END, CASE WHEN @approved THEN 'BILLING' END)
                """, connection);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("from", from);
            insert.Parameters.AddWithValue("to", to);
            insert.Parameters.AddWithValue("input", input);
            insert.Parameters.AddWithValue("state", state);
            insert.Parameters.AddWithValue("approved", approved);
            await insert.ExecuteNonQueryAsync();
        }
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _service.DisposeAsync();
    }

    private async Task<List<UsageRow>> QueryAsync(UsageView view, Granularity granularity)
    {
        var response = await new UsageService.UsageServiceClient(_channel).GetUsageAsync(new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTime(Day),
            EndTime = Timestamp.FromDateTime(Day.AddDays(1)),
            Granularity = granularity,
            HostIds = { "view-host" },
            View = view,
        }, Calls.As(MeteringServiceHost.AdminKey));
        return response.Rows.ToList();
    }
}
