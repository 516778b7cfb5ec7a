using System.Globalization;
using System.Text.Json;

namespace Metering.LoadGen.Reporting;

/// <summary>Prints the result table and the exactly-once verdict, and writes the figures as JSON.</summary>
internal static class ReportWriter
{
    public static void PrintTable(RunSummary s, TextWriter output)
    {
        var o = s.Options;
        var pace = o.Rate > 0 ? $"paced at {o.Rate:N0} records/s" : "as fast as possible";
        var length = o.Duration is { } d ? $"{d.TotalSeconds:0.#} s measured (+{o.Warmup.TotalSeconds:0.#} s warm-up)" : $"{o.TotalRecords:N0} records";
        output.WriteLine();
        output.WriteLine($"== metering-loadgen run {s.RunId}: {o.Streams} streams x {o.BatchSize} records, {o.InFlight} in flight each, {o.Hosts} hosts, {o.Models} models, {pace}, {length}");
        var rows = new List<(string Label, string Value, string Unit)>
        {
            ("records/s acknowledged", F(s.RecordsPerSecond, "N0"), "records/s"),
            ("ack latency p50", F(s.Latency.P50Ms, "N2"), "ms"),
            ("ack latency p90", F(s.Latency.P90Ms, "N2"), "ms"),
            ("ack latency p99", F(s.Latency.P99Ms, "N2"), "ms"),
            ("ack latency p99.9", F(s.Latency.P999Ms, "N2"), "ms"),
            ("ack latency max", F(s.Latency.MaxMs, "N2"), "ms"),
            ("records acknowledged (ACCEPTED)", F(s.RecordsAcked, "N0"), "records"),
            ("batches acknowledged", F(s.BatchesAcked, "N0"), $"of {s.BatchesSent:N0} sent"),
            ("measured", F(s.MeasuredSeconds, "N2"), "s"),
        };
        if (o.Rate > 0)
        {
            rows.Insert(6, s.TimerLag.Count > 0
                ? ("pacing sleep overshoot p99 (load generator)", F(s.TimerLag.P99Ms, "N2"), "ms")
                : ("pacing sleep overshoot p99 (load generator)", "n/a", "never ahead of schedule, never slept"));
            rows.Insert(6, ("send behind schedule p99 (any cause)", F(s.SendLag.P99Ms, "N2"), "ms"));
            rows.Insert(6, ("send behind schedule p50 (any cause)", F(s.SendLag.P50Ms, "N2"), "ms"));
        }

        if (s.Cpu is { } cpu)
        {
            rows.Add(("CPU: load generator", F(cpu.SelfCores, "N2"), $"cores of {cpu.MachineCoreCount}"));
            foreach (var (name, cores) in cpu.Watched)
            {
                rows.Add(($"CPU: {name}", double.IsNaN(cores) ? "n/a" : F(cores, "N2"), double.IsNaN(cores) ? "could not read the process's CPU time" : $"cores of {cpu.MachineCoreCount}"));
            }

            if (cpu.MachineCores is { } machine && cpu.OtherCores is { } other)
            {
                rows.Add(("CPU: everything else (kernel, other processes)", F(other, "N2"), $"cores of {cpu.MachineCoreCount}"));
                rows.Add(("CPU: whole machine", F(machine, "N2"), $"cores of {cpu.MachineCoreCount}"));
            }

            if (s.RecordsAckedMeasured > 0)
            {
                rows.Add(("load generator CPU per 1M records", F(cpu.SelfCores * s.MeasuredSeconds / s.RecordsAckedMeasured * 1e6, "N3"), "core-s"));
            }
        }

        var width = rows.Max(r => r.Label.Length);
        var valueWidth = Math.Max(14, rows.Max(r => r.Value.Length));
        output.WriteLine($"| {"measure".PadRight(width)} | {"value".PadLeft(valueWidth)} | unit");
        output.WriteLine($"|{new string('-', width + 2)}|{new string('-', valueWidth + 2)}|------");
        foreach (var (label, value, unit) in rows)
        {
            output.WriteLine($"| {label.PadRight(width)} | {value.PadLeft(valueWidth)} | {unit}");
        }

        output.WriteLine();
        if (s.Duplicates > 0 || s.Rejected > 0 || s.AcceptedCountMismatches > 0)
        {
            output.WriteLine($"unexpected acks: {s.Duplicates:N0} DUPLICATE, {s.Rejected:N0} REJECTED, {s.AcceptedCountMismatches:N0} ACCEPTED with a wrong records_accepted{(s.FirstRejection is null ? string.Empty : "; first rejection: " + s.FirstRejection)}");
        }

        foreach (var failure in s.StreamFailures)
        {
            output.WriteLine($"stream failed: {failure}");
        }

        if (s.Verification is not { } v)
        {
            output.WriteLine("exactly-once: NOT CHECKED");
            return;
        }

        var verdict = v.Passed && !s.RunFailed ? "PASS" : "FAIL";
        output.WriteLine($"exactly-once: {verdict}: ACCEPTED {s.RecordsAcked:N0} records (acks' records_accepted; {s.RecordsTallied:N0} in the accepted batches sent), GetUsage counts {v.RecordsCounted:N0}; {v.RowsCompared} (host, model) totals compared{(v.Passed ? ", all equal" : string.Empty)}");
        if (s.RecordsAcked != s.RecordsTallied)
        {
            output.WriteLine($"  the acks' records_accepted ({s.RecordsAcked:N0}) differ from the records of the accepted batches ({s.RecordsTallied:N0})");
        }

        if (s.InDoubtBatches > 0)
        {
            output.WriteLine($"  {s.InDoubtBatches:N0} batches were sent on failed streams without an ack: their effect is unknown, so the comparison cannot be exact");
        }

        foreach (var mismatch in v.Mismatches.Take(20))
        {
            output.WriteLine("  " + mismatch);
        }

        if (v.Mismatches.Count > 20)
        {
            output.WriteLine($"  ... and {v.Mismatches.Count - 20} more differences");
        }

        if (v.Note is not null)
        {
            output.WriteLine("  " + v.Note);
        }
    }

    public static void WriteJson(RunSummary s, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        var o = s.Options;
        json.WriteStartObject();
        json.WriteString("run_id", s.RunId);
        json.WriteNumber("records_per_sec", Math.Round(s.RecordsPerSecond, 1));
        json.WriteNumber("ack_p50_ms", Round(s.Latency.P50Ms));
        json.WriteNumber("ack_p90_ms", Round(s.Latency.P90Ms));
        json.WriteNumber("ack_p99_ms", Round(s.Latency.P99Ms));
        json.WriteNumber("ack_p999_ms", Round(s.Latency.P999Ms));
        json.WriteNumber("ack_max_ms", Round(s.Latency.MaxMs));
        json.WriteNumber("ack_latency_samples", s.Latency.Count);
        if (o.Rate > 0)
        {
            json.WriteNumber("send_lag_p50_ms", Round(s.SendLag.P50Ms));
            json.WriteNumber("send_lag_p99_ms", Round(s.SendLag.P99Ms));
            if (s.TimerLag.Count > 0)
            {
                json.WriteNumber("pacing_overshoot_p50_ms", Round(s.TimerLag.P50Ms));
                json.WriteNumber("pacing_overshoot_p99_ms", Round(s.TimerLag.P99Ms));
            }
        }

        json.WriteNumber("records_acked", s.RecordsAcked);
        json.WriteNumber("records_counted", s.Verification?.RecordsCounted ?? -1);
        json.WriteNumber("records_acked_measured", s.RecordsAckedMeasured);
        json.WriteNumber("records_sent", s.RecordsSent);
        json.WriteNumber("batches_sent", s.BatchesSent);
        json.WriteNumber("batches_acked", s.BatchesAcked);
        json.WriteNumber("duplicates", s.Duplicates);
        json.WriteNumber("rejected", s.Rejected);
        json.WriteNumber("stream_failures", s.StreamFailures.Count);
        json.WriteBoolean("exactly_once_pass", s.Verification is { Passed: true } && !s.RunFailed);
        json.WriteNumber("measured_seconds", Math.Round(s.MeasuredSeconds, 3));
        json.WriteNumber("target_rate", o.Rate);
        json.WriteNumber("streams", o.Streams);
        json.WriteNumber("hosts", o.Hosts);
        json.WriteNumber("batch_size", o.BatchSize);
        json.WriteNumber("in_flight", o.InFlight);
        json.WriteNumber("connections", o.Connections);
        json.WriteNumber("models", o.Models);
        if (s.Cpu is { } cpu)
        {
            json.WriteNumber("loadgen_cpu_cores", Math.Round(cpu.SelfCores, 3));
            foreach (var (name, cores) in cpu.Watched.Where(w => !double.IsNaN(w.Cores)))
            {
                json.WriteNumber($"{name}_cpu_cores", Math.Round(cores, 3));
            }

            if (cpu.MachineCores is { } machine)
            {
                json.WriteNumber("machine_cpu_cores", Math.Round(machine, 3));
            }

            json.WriteNumber("machine_core_count", cpu.MachineCoreCount);
        }

        json.WriteEndObject();
    }

    private static double Round(double ms) => Math.Round(ms, 3);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
