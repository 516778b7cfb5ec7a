using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Client;
using Metering.Contracts.V1;
using Grpc.Core;

namespace Metering.Chaos;

/// <summary>
/// The fault-injection suite (issue: durability). Gateways stream through the SDK while, cycle after cycle, one
/// fault is injected: SIGKILL of the service, SIGKILL and restart of Redis, PostgreSQL stopped for 10 s, or the
/// flusher crashing between its commit and its snapshot delete. After each cycle the load pauses, every gateway
/// flushes (everything it recorded is acknowledged), and what the service counts (PostgreSQL + Redis, through
/// GetUsage) must equal what was recorded, exactly, per host and model.
/// </summary>
public static class ChaosRunner
{
    public static async Task<IReadOnlyList<ChaosCycleResult>> RunAsync(ChaosOptions options, CancellationToken cancellationToken = default)
    {
        var root = RepositoryRoot();
        var log = options.Log;
        await using var infrastructure = await ChaosInfrastructure.StartAsync(root);
        await using var service = new ServiceProcess(root, options.Configuration, infrastructure);
        await service.StartAsync();
        log.WriteLine($"chaos: service at {service.Address}, Redis {infrastructure.Redis}, {options.Hosts} gateways x {options.RecordsPerSecondPerHost} records/s");

        using var admin = new MeteringClient(service.Address.ToString(), ServiceProcess.AdminKey);
        var loads = new List<GatewayLoad>();
        try
        {
            for (var i = 0; i < options.Hosts; i++)
            {
                var hostId = $"chaos-host-{i}";
                await admin.Admin.CreateHostAsync(new CreateHostRequest { HostId = hostId, DisplayName = hostId }, cancellationToken);
                var key = await admin.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = hostId }, cancellationToken);
                loads.Add(new GatewayLoad(hostId, service.Address, key.Secret, options.RecordsPerSecondPerHost, options.Seed * 1000 + i));
            }

            var results = new List<ChaosCycleResult>();
            for (var cycle = 1; cycle <= options.Cycles; cycle++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fault = (ChaosFault)((cycle - 1) % 4);
                loads.ForEach(l => l.Resume());
                await Task.Delay(1500, cancellationToken);
                await InjectAsync(fault, infrastructure, service, options);
                await Task.Delay(1000, cancellationToken);
                foreach (var load in loads)
                {
                    await load.PauseAsync();
                }

                var result = await VerifyAsync(cycle, fault, loads, admin, cancellationToken);
                results.Add(result);
                var resent = loads.Sum(l => l.Stats.BatchesResent);
                var duplicates = loads.Sum(l => l.Stats.BatchesDuplicate);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"chaos: cycle {cycle,3} {fault,-24} delivered {result.RecordsDelivered,9} counted {result.RecordsCounted,9} discrepancy {result.Discrepancy} (batches resent so far {resent}, answered DUPLICATE {duplicates})"));
                foreach (var mismatch in result.Mismatches)
                {
                    log.WriteLine("chaos:   " + mismatch);
                }
            }

            var failed = results.Count(r => r.Discrepancy != 0 || r.Mismatches.Count > 0);
            log.WriteLine($"chaos: {results.Count} cycles run, {failed} with a discrepancy; total discrepancy {results.Sum(r => r.Discrepancy)}");
            return results;
        }
        finally
        {
            foreach (var load in loads)
            {
                await load.DisposeAsync();
            }
        }
    }

    private static async Task InjectAsync(ChaosFault fault, ChaosInfrastructure infrastructure, ServiceProcess service, ChaosOptions options)
    {
        switch (fault)
        {
            case ChaosFault.KillService:
                await service.KillAsync();
                await Task.Delay(300);
                await service.StartAsync();
                break;
            case ChaosFault.KillRedis:
                await infrastructure.KillRedisAsync();
                await Task.Delay(300);
                await infrastructure.StartRedisAsync();
                break;
            case ChaosFault.StopPostgres:
                await infrastructure.StopPostgresAsync();
                await Task.Delay(options.PostgresDowntime);
                await infrastructure.StartPostgresAsync();
                break;
            case ChaosFault.CrashFlusherAfterCommit:
                await service.KillAsync();
                await service.StartAsync(failpoints: "flush-after-commit");
                if (!await service.WaitForExitAsync(TimeSpan.FromSeconds(60)))
                {
                    throw new InvalidOperationException("The flush-after-commit failpoint never fired: no flush committed within 60 s.");
                }

                await service.StartAsync();
                break;
        }
    }

    private static async Task<ChaosCycleResult> VerifyAsync(int cycle, ChaosFault fault, List<GatewayLoad> loads, MeteringClient admin, CancellationToken cancellationToken)
    {
        var mismatches = new List<string>();
        using (var flushTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            flushTimeout.CancelAfter(TimeSpan.FromMinutes(2));
            try
            {
                await Task.WhenAll(loads.Select(l => l.FlushAsync(flushTimeout.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                mismatches.Add("gateways did not get every batch acknowledged within 2 minutes: " + string.Join("; ", loads.Select(l => $"{l.HostId} {l.Stats}")));
            }
        }

        var counted = await CountAsync(admin, loads.Select(l => l.HostId).ToList(), cancellationToken);
        long delivered = 0;
        long countedRecords = 0;
        long discrepancy = 0;
        foreach (var load in loads)
        {
            var stats = load.Stats;
            delivered += stats.RecordsAccepted + stats.RecordsDuplicate;
            if (stats.RecordsRejected != 0 || stats.BatchesLost != 0 || load.Dropped != 0)
            {
                mismatches.Add($"{load.HostId}: rejected {stats.RecordsRejected}, lost batches {stats.BatchesLost}, dropped {load.Dropped}");
            }

            foreach (var (model, sums) in load.Recorded)
            {
                counted.TryGetValue((load.HostId, model), out var row);
                var got = new[] { row?.InputTokens ?? 0, row?.OutputTokens ?? 0, row?.Requests ?? 0 };
                countedRecords += got[2];
                var difference = Math.Abs(got[0] - sums[0]) + Math.Abs(got[1] - sums[1]) + Math.Abs(got[2] - sums[2]);
                if (difference != 0)
                {
                    discrepancy += difference;
                    mismatches.Add($"{load.HostId}/{model}: recorded in={sums[0]} out={sums[1]} req={sums[2]}, counted in={got[0]} out={got[1]} req={got[2]}");
                }
            }
        }

        return new ChaosCycleResult(cycle, fault, delivered, countedRecords, discrepancy, mismatches);
    }

    private static async Task<Dictionary<(string Host, string Model), UsageRow>> CountAsync(MeteringClient admin, List<string> hosts, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var hour = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        var request = new GetUsageRequest
        {
            StartTime = Timestamp.FromDateTime(hour.AddDays(-2)),
            EndTime = Timestamp.FromDateTime(hour.AddHours(2)),
            HostIds = { hosts },
            GroupBy = { UsageGroupBy.Host, UsageGroupBy.Model },
            Granularity = Granularity.Total,
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var rows = new Dictionary<(string, string), UsageRow>();
                await foreach (var row in admin.Usage.GetAllUsageAsync(request, cancellationToken))
                {
                    rows[(row.HostId, row.Model)] = row;
                }

                return rows;
            }
            catch (RpcException) when (attempt < 30)
            {
                // Right after a restart of PostgreSQL or Redis the first calls may fail; the totals are read again.
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Metering.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run from inside the repository (Metering.sln not found above " + AppContext.BaseDirectory + ").");
    }
}
