using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using Grpc.Testing;

namespace Metering.Benchmarks;

/// <summary>
/// Transport figures of the gRPC stack (Grpc.AspNetCore server, Grpc.Net.Client client) on a trivial service:
/// unary calls/s and client-streamed messages/s with Grpc.Net.Client, and unary calls/s from h2load (-c 16 -m 32)
/// counting only calls that ended with grpc-status 0, next to bare Kestrel in the same run (the ratio).
/// </summary>
internal static partial class TransportBenchmark
{
    private const string ServiceName = "grpc.testing.BenchmarkService";

    public static async Task RunAsync(TimeSpan duration)
    {
        await using var server = await BenchServer.StartAsync();
        Console.WriteLine($"transport: server at {server.Address}, {duration.TotalSeconds:0} s per measure");

        var unary = await MeasureUnaryAsync(server.Address, concurrency: 64, duration);
        var streaming = await MeasureStreamingAsync(server, streams: 4, duration);
        var h2load = await MeasureH2LoadAsync(server.Address, () => server.Counter.Ok, duration);
        double bare;
        await using (var calibration = await BareKestrelServer.StartAsync())
        {
            bare = await MeasureH2LoadAsync(calibration.Address, () => calibration.Calls, duration);
        }

        BenchResults.Report("transport", "transport.json",
        [
            ("unary_calls_per_sec", "unary calls/s (Grpc.Net.Client, 64 concurrent)", unary, "calls/s"),
            ("stream_messages_per_sec", "streamed messages/s (Grpc.Net.Client, 4 streams)", streaming, "msgs/s"),
            ("h2load_unary_calls_per_sec", "h2load unary calls/s, grpc-status 0 (-c 16 -m 32)", h2load, "calls/s"),
            ("h2load_bare_kestrel_calls_per_sec", "h2load, bare Kestrel fixed frame (calibration)", bare, "calls/s"),
            ("h2load_ratio_to_bare_kestrel", "Grpc.AspNetCore / bare Kestrel, same run", h2load / bare, "ratio"),
        ]);
    }

    private static async Task<double> MeasureUnaryAsync(Uri address, int concurrency, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(address);
        var client = new BenchmarkService.BenchmarkServiceClient(channel);
        var request = new SimpleRequest();
        await RunWorkersAsync(TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        var calls = await RunWorkersAsync(duration);
        return calls / stopwatch.Elapsed.TotalSeconds;

        async Task<long> RunWorkersAsync(TimeSpan length)
        {
            long total = 0;
            var until = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                long count = 0;
                while (Stopwatch.GetTimestamp() < until)
                {
                    await client.UnaryCallAsync(request);
                    count++;
                }

                Interlocked.Add(ref total, count);
            });
            await Task.WhenAll(workers);
            return total;
        }
    }

    private static async Task<double> MeasureStreamingAsync(BenchServer server, int streams, TimeSpan duration)
    {
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new BenchmarkService.BenchmarkServiceClient(channel);
        var request = new SimpleRequest();
        var before = server.Service.StreamedMessages;
        var stopwatch = Stopwatch.StartNew();
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var senders = Enumerable.Range(0, streams).Select(async _ =>
        {
            using var call = client.StreamingFromClient();
            while (Stopwatch.GetTimestamp() < until)
            {
                await call.RequestStream.WriteAsync(request);
            }

            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        await Task.WhenAll(senders);
        return (server.Service.StreamedMessages - before) / stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double> MeasureH2LoadAsync(Uri address, Func<long> okCalls, TimeSpan duration)
    {
        var body = Path.Combine(Path.GetTempPath(), $"metering-bench-empty-{Environment.ProcessId}.bin");
        await File.WriteAllBytesAsync(body, new byte[5]);
        try
        {
            var url = new Uri(address, $"/{ServiceName}/UnaryCall").ToString();
            await RunH2LoadAsync(url, body, 50_000);
            var estimate = 80_000 * duration.TotalSeconds;
            var okBefore = okCalls();
            var (seconds, output) = await RunH2LoadAsync(url, body, (long)estimate);
            var ok = okCalls() - okBefore;
            Console.WriteLine($"h2load: {ok} calls with grpc-status 0 in {seconds:0.00} s ({FinishedLine().Match(output).Value})");
            return ok / seconds;
        }
        finally
        {
            File.Delete(body);
        }
    }

    private static async Task<(double Seconds, string Output)> RunH2LoadAsync(string url, string body, long requests)
    {
        var start = new ProcessStartInfo("h2load")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-c", "16", "-m", "32", "-n", requests.ToString(CultureInfo.InvariantCulture), "-d", body, "-H", "content-type: application/grpc", "-H", "te: trailers", url })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("h2load is not installed (Debian package nghttp2-client; `make bench` installs it).", ex);
        }

        using (process)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var match = FinishedLine().Match(output);
            if (process.ExitCode != 0 || !match.Success)
            {
                throw new InvalidOperationException($"h2load failed (exit {process.ExitCode}):\n{output}\n{await process.StandardError.ReadToEndAsync()}");
            }

            var elapsed = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            return (match.Groups[2].Value == "ms" ? elapsed / 1000 : elapsed, output);
        }
    }

    [GeneratedRegex(@"finished in ([0-9.]+)(m?s), ([0-9.]+) req/s")]
    private static partial Regex FinishedLine();
}
