namespace Metering.LoadGen.Workload;

/// <summary>
/// The models a run reports usage for: plausible published names with a Zipf popularity (a few models carry most
/// of the traffic) and a price per thousand tokens, used for <c>billed_micros</c>.
/// </summary>
internal sealed class ModelCatalog
{
    private static readonly string[] Families =
    [
        "acme/llama-4-8b-instruct", "acme/llama-4-70b-instruct", "acme/llama-4-405b-instruct", "acme/mixtral-8x22b-instruct",
        "acme/coder-33b", "acme/embed-large", "acme/llama-4-8b-base", "acme/vision-90b-instruct", "acme/guard-8b", "acme/reranker-v2",
    ];

    private static readonly string[] Variants = ["", ":v2", ":fp8", ":v2-fp8", ":long-128k"];

    private readonly double[] _cumulativeWeight;

    public ModelCatalog(int count)
    {
        Names = new string[count];
        InputMicrosPerThousand = new long[count];
        OutputMicrosPerThousand = new long[count];
        _cumulativeWeight = new double[count];
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            var variant = i / Families.Length;
            Names[i] = Families[i % Families.Length] + (variant < Variants.Length ? Variants[variant] : ":r" + variant);

            // 0.05 to 3.00 USD per million input tokens, output four times dearer: micros per thousand tokens.
            InputMicrosPerThousand[i] = 50 + (i * 37 % 60) * 50;
            OutputMicrosPerThousand[i] = InputMicrosPerThousand[i] * 4;
            total += 1.0 / (i + 1);
            _cumulativeWeight[i] = total;
        }

        for (var i = 0; i < count; i++)
        {
            _cumulativeWeight[i] /= total;
        }
    }

    public int Count => Names.Length;

    public string[] Names { get; }

    public long[] InputMicrosPerThousand { get; }

    public long[] OutputMicrosPerThousand { get; }

    /// <summary>A model index drawn by popularity.</summary>
    public int Pick(Random random)
    {
        var index = Array.BinarySearch(_cumulativeWeight, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, Names.Length - 1);
    }
}
