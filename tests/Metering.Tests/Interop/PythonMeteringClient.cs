using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Grpc.Core;

namespace Metering.Tests.Interop;

/// <summary>
/// Runs tests/interop/python/metering_client.py (grpcio with stubs generated on this machine by Debian's protoc)
/// against a metering service: the plan's requests go to Python in the proto3 JSON mapping, Python sends them in
/// protobuf over gRPC, and its report of the responses and statuses (rich details decoded in Python) comes back as
/// JSON, parsed into the C# types here.
/// </summary>
internal sealed class PythonMeteringClient
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default
        .WithIgnoreUnknownFields(false)
        .WithTypeRegistry(TypeRegistry.FromFiles(ErrorDetailsReflection.Descriptor)));

    private readonly Uri _address;
    private readonly InteropCertificate? _trusted;

    /// <param name="address">The service's gRPC address (http:// for h2c, https:// for TLS).</param>
    /// <param name="trusted">For TLS: the only certificate the Python client trusts.</param>
    public PythonMeteringClient(Uri address, InteropCertificate? trusted)
    {
        _address = address;
        _trusted = trusted;
    }

    /// <summary>Runs the calls in order on one grpcio channel; <paramref name="key"/> null sends no credentials.</summary>
    public async Task<IReadOnlyList<PythonCallResult>> RunAsync(string? key, params PythonCall[] calls)
    {
        var problem = await PythonProcess.GrpcProblemAsync();
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }

        List<string> arguments = ["--target", "127.0.0.1:" + _address.Port.ToString(CultureInfo.InvariantCulture), "--timeout_s", "20"];
        if (key is not null)
        {
            arguments.AddRange(["--key", key]);
        }

        if (_trusted is not null)
        {
            arguments.AddRange(["--use_tls", "--ca_file", _trusted.CertificatePath, "--server_host_override", "localhost"]);
        }

        var run = await PythonProcess.RunAsync("metering_client.py", arguments, RunTimeout, Plan(calls));
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"metering_client.py failed: {run.Describe()}");
        }

        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length != calls.Length)
        {
            throw new InvalidOperationException($"metering_client.py reported {lines.Length} calls, not {calls.Length}: {run.Describe()}");
        }

        return lines.Select((line, i) => Parse(line, calls[i])).ToList();
    }

    private static string Plan(IEnumerable<PythonCall> calls)
    {
        var list = new JsonArray();
        foreach (var call in calls)
        {
            var requests = call.Requests.Select(r => JsonNode.Parse(JsonFormatter.Default.Format(r))).ToArray();
            var entry = call.Streaming
                ? new JsonObject { ["method"] = call.Method, ["requests"] = new JsonArray(requests) }
                : new JsonObject { ["method"] = call.Method, ["request"] = requests.Single() };
            if (call.ReceiptChain is { } chain)
            {
                entry["receipt_chain"] = new JsonObject { ["host_id"] = chain.HostId, ["producer_id"] = chain.ProducerId };
            }

            list.Add(entry);
        }

        return new JsonObject { ["calls"] = list }.ToJsonString();
    }

    private static PythonCallResult Parse(string line, PythonCall call)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var method = root.GetProperty("method").GetString()!;
        if (method != call.Method)
        {
            throw new InvalidOperationException($"metering_client.py reported {method} where {call.Method} was asked: {line}");
        }

        var responses = root.GetProperty("responses").EnumerateArray().Select(r => Parser.Parse(r.GetRawText(), call.Response)).ToList();
        var status = root.GetProperty("status");
        var details = status.GetProperty("details");
        return new PythonCallResult(
            method,
            responses,
            (StatusCode)status.GetProperty("code").GetInt32(),
            status.GetProperty("name").GetString()!,
            status.GetProperty("message").GetString()!,
            details.ValueKind == JsonValueKind.Null ? null : Parser.Parse<Google.Rpc.Status>(details.GetRawText()))
        {
            OwnChain = root.TryGetProperty("own_chain", out var chain)
                ? [.. chain.EnumerateArray().Select(l => (l.GetProperty("sequence").GetUInt64(), l.GetProperty("request_sha256").GetString()!, l.GetProperty("chain").GetString()!))]
                : [],
        };
    }
}
