using System.Globalization;
using System.Text;

namespace Metering.Client.Internal;

/// <summary>
/// The spool's small state file: producer id, acknowledged watermark and segment generation, as <c>key=value</c>
/// lines. Replaced atomically (write a temporary file, then rename over the old one).
/// </summary>
internal sealed record SpoolState(string ProducerId, ulong AckedThrough, long Generation)
{
    private const string Header = "# Metering usage spool state. Do not edit while a reporter uses this directory.";

    /// <summary>The state in <paramref name="path"/>; null when the file is missing or unreadable (<paramref name="problem"/> says which).</summary>
    public static SpoolState? TryRead(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }

        string? producer = null;
        ulong? acked = null;
        long? generation = null;
        foreach (var line in File.ReadAllLines(path, Encoding.UTF8))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = line[..eq];
            var value = line[(eq + 1)..];
            switch (key)
            {
                case "producer_id" when RecordValidation.IsValidIdentifier(value):
                    producer = value;
                    break;
                case "acked_through" when ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var a):
                    acked = a;
                    break;
                case "generation" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var g):
                    generation = g;
                    break;
            }
        }

        if (producer is null || acked is null || generation is null)
        {
            problem = "the state file lacks a valid producer_id, acked_through or generation";
            return null;
        }

        return new SpoolState(producer, acked.Value, generation.Value);
    }

    public void Write(string path, bool flushToDisk)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{Header}\nversion=1\nproducer_id={ProducerId}\nacked_through={AckedThrough}\ngeneration={Generation}\n");
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
