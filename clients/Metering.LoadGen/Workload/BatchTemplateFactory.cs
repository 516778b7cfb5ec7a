using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metering.Contracts.V1;

namespace Metering.LoadGen.Workload;

/// <summary>
/// Builds realistic batches: each spreads over 2 to 5 models picked by popularity, one record per inference request
/// (<c>requests</c> = 1, so the summed requests count the records), log-uniform prompt and completion sizes, event
/// times in the last minute of the current hour, and <c>billed_micros</c> for hosts that report revenue.
/// </summary>
internal static class BatchTemplateFactory
{
    public static BatchTemplate Create(Random random, int size, ModelCatalog catalog, bool reportsBilling, DateTime now)
    {
        var distinct = Math.Min(catalog.Count, 2 + random.Next(4));
        var models = PickDistinct(random, catalog, distinct);
        var weights = new double[models.Length];
        var total = 0.0;
        for (var j = 0; j < models.Length; j++)
        {
            total += 1.0 / (j + 1);
            weights[j] = total;
        }

        var input = new long[models.Length];
        var output = new long[models.Length];
        var requests = new long[models.Length];
        var billed = new long[models.Length];
        var records = new ByteString[size];
        var encodedSize = 0;
        var hourStart = new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < size; i++)
        {
            var j = Array.BinarySearch(weights, random.NextDouble() * total);
            j = Math.Min(j < 0 ? ~j : j, models.Length - 1);
            var model = models[j];
            var inputTokens = LogUniform(random, 16, 8192);
            var outputTokens = LogUniform(random, 1, 2048);
            var at = now.AddMilliseconds(-random.Next(60_000));
            var record = new UsageRecord
            {
                Model = catalog.Names[model],
                InputTokens = inputTokens,
                OutputTokens = outputTokens,
                Requests = 1,
                EventTime = Timestamp.FromDateTime(at < hourStart ? hourStart : at),
            };
            if (reportsBilling)
            {
                record.BilledMicros = ((inputTokens * catalog.InputMicrosPerThousand[model]) + (outputTokens * catalog.OutputMicrosPerThousand[model])) / 1000;
                billed[j] += record.BilledMicros;
            }

            input[j] += inputTokens;
            output[j] += outputTokens;
            requests[j] += 1;
            var bytes = record.ToByteArray();
            records[i] = UnsafeByteOperations.UnsafeWrap(bytes);
            encodedSize += 1 + CodedOutputStream.ComputeLengthSize(bytes.Length) + bytes.Length;
        }

        return new BatchTemplate(records, encodedSize, models, input, output, requests, billed);
    }

    /// <summary>
    /// Encodes <paramref name="template"/> as the stream would, parses it back with the generated StreamUsageRequest
    /// and checks every field and every per-model sum; throws if the pre-encoded form differs in any way.
    /// </summary>
    public static void CheckEncoding(BatchTemplate template, string producerId, ModelCatalog catalog)
    {
        const ulong sequence = 1_234_567_890_123;
        var encoded = new EncodedStreamUsageRequest(producerId, template) { Sequence = sequence };
        var bytes = new byte[encoded.CalculateSize()];
        encoded.WriteTo(bytes.AsSpan());
        var parsed = StreamUsageRequest.Parser.ParseFrom(bytes);
        if (parsed.ProducerId != producerId || parsed.Sequence != sequence || parsed.Records.Count != template.RecordCount)
        {
            throw new InvalidOperationException($"Pre-encoded request does not round-trip: producer '{parsed.ProducerId}', sequence {parsed.Sequence}, {parsed.Records.Count} records.");
        }

        for (var j = 0; j < template.Models.Length; j++)
        {
            var name = catalog.Names[template.Models[j]];
            var rows = parsed.Records.Where(r => r.Model == name).ToList();
            if (rows.Sum(r => r.InputTokens) != template.InputTokens[j] || rows.Sum(r => r.OutputTokens) != template.OutputTokens[j]
                || rows.Sum(r => r.Requests) != template.Requests[j] || rows.Sum(r => r.BilledMicros) != template.BilledMicros[j])
            {
                throw new InvalidOperationException($"Pre-encoded request does not round-trip: the sums of model '{name}' differ.");
            }
        }

        if (parsed.Records.Any(r => Array.IndexOf(template.Models, Array.IndexOf(catalog.Names, r.Model)) < 0))
        {
            throw new InvalidOperationException("Pre-encoded request does not round-trip: a record names a model the template does not count.");
        }
    }

    private static int[] PickDistinct(Random random, ModelCatalog catalog, int count)
    {
        var picked = new List<int>(count);
        for (var attempt = 0; picked.Count < count && attempt < 64 * count; attempt++)
        {
            var model = catalog.Pick(random);
            if (!picked.Contains(model))
            {
                picked.Add(model);
            }
        }

        for (var model = 0; picked.Count < count; model++)
        {
            if (!picked.Contains(model))
            {
                picked.Add(model);
            }
        }

        return [.. picked];
    }

    private static long LogUniform(Random random, double min, double max)
        => (long)Math.Round(Math.Exp(Math.Log(min) + (random.NextDouble() * (Math.Log(max) - Math.Log(min)))));
}
