using System.Globalization;

namespace Metering.Testing;

/// <summary>
/// One scrape of a service's <c>/metrics</c> (Prometheus text format), parsed into samples: the name, the labels and
/// the value of every line that is not a comment.
/// </summary>
public sealed class MetricsScrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(20) };

    private MetricsScrape(string text, IReadOnlyList<MetricSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    /// <summary>The response as served.</summary>
    public string Text { get; }

    public IReadOnlyList<MetricSample> Samples { get; }

    /// <summary>GETs <c>/metrics</c> of the HTTP endpoint <paramref name="httpAddress"/>; fails unless it answers 200.</summary>
    public static async Task<MetricsScrape> ReadAsync(Uri httpAddress)
    {
        using var response = await Http.GetAsync(new Uri(httpAddress, "/metrics"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /metrics answered {(int)response.StatusCode}: {text}");
        }

        return new MetricsScrape(text, Parse(text));
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/> ("key=value"); 0 when none.</summary>
    public double Sum(string name, params string[] labels)
        => Matching(name, labels).Sum(s => s.Value);

    /// <summary>The samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/> ("key=value").</summary>
    public IEnumerable<MetricSample> Matching(string name, params string[] labels)
    {
        var wanted = labels.Select(l => l.Split('=', 2)).Select(p => (Key: p[0], Value: p[1])).ToList();
        return Samples.Where(s => s.Name == name && wanted.All(w => s.Labels.TryGetValue(w.Key, out var v) && v == w.Value));
    }

    /// <summary>Whether any sample is named <paramref name="name"/>.</summary>
    public bool Has(string name) => Samples.Any(s => s.Name == name);

    private static List<MetricSample> Parse(string text)
    {
        var samples = new List<MetricSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name;
            int rest;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                rest = ParseLabels(line, brace + 1, labels);
            }
            else
            {
                name = line[..space];
                rest = space;
            }

            var fields = line[rest..].Trim().Split(' ');
            samples.Add(new MetricSample(name, labels, ParseValue(fields[0])));
        }

        return samples;
    }

    /// <summary>Reads <c>key="value",...}</c> from <paramref name="start"/>; returns the index after the closing brace.</summary>
    private static int ParseLabels(string line, int start, Dictionary<string, string> labels)
    {
        var i = start;
        while (line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            var key = line[i..eq].Trim(' ', ',');
            var value = new System.Text.StringBuilder();
            var j = eq + 2;
            for (; line[j] != '"'; j++)
            {
                if (line[j] == '\\')
                {
                    j++;
                    value.Append(line[j] == 'n' ? '\n' : line[j]);
                }
                else
                {
                    value.Append(line[j]);
                }
            }

            labels[key] = value.ToString();
            i = j + 1;
            if (line[i] == ',')
            {
                i++;
            }
        }

        return i + 1;
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}

/// <summary>One line of a scrape: a metric name, its labels and its value.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
