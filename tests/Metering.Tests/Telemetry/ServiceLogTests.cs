using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Metering.Tests.Ingest;
using Npgsql;
using Xunit;

namespace Metering.Tests.Telemetry;

/// <summary>
/// The log of a run of both services as processes (the build's own output, JSON console logs at Debug level, scopes
/// included) through key creation, ingest, rejected and revoked keys, queries, a settlement run and a graceful stop:
/// every line is one JSON object, the services' own events are in it, and no secret is: not the bootstrap ADMIN key,
/// not a created key's secret, not an unknown key a caller sent, not the PostgreSQL password.
/// </summary>
public sealed class ServiceLogTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task ServiceLogs_AreJsonLines_WithoutAnySecret()
    {
        var bootstrapKey = "bootstrap-" + Guid.NewGuid().ToString("N");
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var unknownKey = "guessed-" + Guid.NewGuid().ToString("N");
        var database = await TestInfrastructure.CreateDatabaseAsync();
        var postgres = new NpgsqlConnectionStringBuilder(database) { Password = password }.ConnectionString;
        var secrets = new List<string> { bootstrapKey, password, unknownKey };
        var redisPrefix = TestInfrastructure.NewRedisPrefix();
        string meteringLog;
        string settlementLog;
        try
        {
            await using (var metering = await LoggedProcess.StartAsync("Metering.Service", postgres, bootstrapKey, redisPrefix))
            {
                using var channel = GrpcChannel.ForAddress(metering.GrpcAddress);
                var admin = channel.Admin();
                var asAdmin = Rpc.As(bootstrapKey);
                await admin.CreateHostAsync(new CreateHostRequest { HostId = "log-host", DisplayName = "Log host" }, asAdmin);
                var hostKey = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Host, HostId = "log-host" }, asAdmin);
                var billingKey = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { Role = Role.Billing }, asAdmin);
                secrets.Add(hostKey.Secret);
                secrets.Add(billingKey.Secret);

                var ingest = channel.Ingest();
                Assert.Equal(IngestResult.Accepted, (await ingest.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "k-1", Records = { Rpc.Record("m", 10) } }, Rpc.As(hostKey.Secret))).Result);
                var stream = await IngestCalls.StreamAsync(channel, hostKey.Secret, [IngestCalls.Batch("gw", 1, Rpc.Record("m", 1)), IngestCalls.Batch("gw", 2, Rpc.Record("bad model!", 1))]);
                Assert.Equal(StatusCode.OK, stream.Status);
                await AssertStatusAsync(StatusCode.Unauthenticated, () => ingest.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "k-2", Records = { Rpc.Record("m", 1) } }, Rpc.As(unknownKey)).ResponseAsync);
                await AssertStatusAsync(StatusCode.InvalidArgument, () => channel.Usage().GetUsageAsync(new GetUsageRequest(), Rpc.As(billingKey.Secret)).ResponseAsync);
                Assert.Single((await Rpc.TotalsByModelAsync(channel, billingKey.Secret)).Values);

                await admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = hostKey.ApiKey.KeyId }, asAdmin);
                await AssertStatusAsync(StatusCode.Unauthenticated, () => ingest.ReportUsageAsync(new ReportUsageRequest { IdempotencyKey = "k-3", Records = { Rpc.Record("m", 1) } }, Rpc.As(hostKey.Secret)).ResponseAsync);

                await using (var settlement = await LoggedProcess.StartAsync("Metering.Settlement", postgres, bootstrapKey, redisPrefix))
                {
                    using var settlementChannel = GrpcChannel.ForAddress(settlement.GrpcAddress);
                    var client = new SettlementService.SettlementServiceClient(settlementChannel);
                    await client.ListStatementsAsync(new ListStatementsRequest(), Rpc.As(billingKey.Secret));
                    await AssertStatusAsync(StatusCode.Unauthenticated, () => client.ListStatementsAsync(new ListStatementsRequest(), Rpc.As(unknownKey)).ResponseAsync);
                    await AssertStatusAsync(StatusCode.PermissionDenied, () => client.UpsertAgreementAsync(new UpsertAgreementRequest(), Rpc.As(billingKey.Secret)).ResponseAsync);
                    settlementLog = await settlement.StopAsync();
                }

                meteringLog = await metering.StopAsync();
            }
        }
        finally
        {
            await TestInfrastructure.DropDatabaseAsync(database);
        }

        AssertJsonLines(meteringLog, "Metering.Service.Flush.UsageFlusher");
        AssertJsonLines(settlementLog, "Metering.Settlement.Scheduling.SettlementScheduler");
        foreach (var secret in secrets)
        {
            foreach (var (name, log) in new[] { ("metering", meteringLog), ("settlement", settlementLog) })
            {
                foreach (var form in new[] { secret, JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).ToString(), secret[^16..] })
                {
                    Assert.False(log.Contains(form, StringComparison.Ordinal), $"The {name} service log contains a secret ({form[..4]}…).");
                }
            }
        }
    }

    /// <summary>Every line is a JSON object with a category and a message, and <paramref name="category"/> logged.</summary>
    private static void AssertJsonLines(string log, string category)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        var categories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            using var entry = JsonDocument.Parse(line);
            categories.Add(entry.RootElement.GetProperty("Category").GetString()!);
            Assert.Equal(JsonValueKind.String, entry.RootElement.GetProperty("Message").ValueKind);
        }

        Assert.True(categories.Contains(category), $"No {category} entry among: {string.Join(", ", categories.Order(StringComparer.Ordinal))}.");
        Assert.Contains("Microsoft.Hosting.Lifetime", categories);
    }

    private static async Task AssertStatusAsync<T>(StatusCode expected, Func<Task<T>> call)
        => Assert.Equal(expected, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);

    /// <summary>A service run from its build output with JSON console logs at Debug level, its stdout and stderr kept.</summary>
    private sealed class LoggedProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private LoggedProcess(Process process, Uri grpcAddress)
        {
            _process = process;
            GrpcAddress = grpcAddress;
        }

        public Uri GrpcAddress { get; }

        public static async Task<LoggedProcess> StartAsync(string project, string postgres, string bootstrapKey, string redisPrefix)
        {
            var dll = ServiceBuild.OutputOf(project);
            var grpcPort = ServiceBuild.FreePort();
            var httpPort = ServiceBuild.FreePort();
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
            start.ArgumentList.Add(dll);
            start.Environment["Redis__Configuration"] = TestInfrastructure.Redis;
            start.Environment["Redis__KeyPrefix"] = redisPrefix;
            start.Environment["Postgres__ConnectionString"] = postgres;
            start.Environment["Security__BootstrapAdminKey"] = bootstrapKey;
            start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}";
            start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}";
            start.Environment["Logging__LogLevel__Default"] = "Debug";
            start.Environment["Logging__Console__FormatterName"] = "json";
            start.Environment["Logging__Console__FormatterOptions__IncludeScopes"] = "true";
            start.Environment["Flush__Interval"] = "00:00:01";
            var process = new Process { StartInfo = start };
            var logged = new LoggedProcess(process, new Uri($"http://127.0.0.1:{grpcPort}"));
            process.OutputDataReceived += (_, e) => logged.Append(e.Data);
            process.ErrorDataReceived += (_, e) => logged.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var healthz = new Uri($"http://127.0.0.1:{httpPort}/healthz");
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{project} exited with {process.ExitCode}: {logged.Output}");
                }

                try
                {
                    using var response = await Http.GetAsync(healthz);
                    if (response.IsSuccessStatusCode)
                    {
                        return logged;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    await logged.DisposeAsync();
                    throw new TimeoutException($"{project} was not healthy within 60 s: {logged.Output}");
                }

                await Task.Delay(100);
            }
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Stops the service with SIGTERM (a graceful shutdown, with its final flush) and returns its whole log.</summary>
        public async Task<string> StopAsync()
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, _process.ExitCode);
            return Output;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        }
    }
}
