namespace Metering.LoadGen.Workload;

/// <summary>
/// The batches one stream cycles through, pre-encoded once; <see cref="Refresh"/> builds a new set with current event
/// times (the runner calls it every minute) and swaps it in without stopping the sender. Sequence n sends template
/// n mod count; the last batch of a --records run may be a shorter tail.
/// </summary>
internal sealed class TemplatePool
{
    private readonly Random _random;
    private readonly ModelCatalog _catalog;
    private readonly int _batchSize;
    private readonly int _count;
    private readonly int _tailSize;
    private readonly bool _reportsBilling;
    private volatile BatchTemplate[] _templates = [];
    private volatile BatchTemplate? _tail;

    public TemplatePool(int seed, ModelCatalog catalog, int batchSize, int count, int tailSize, bool reportsBilling)
    {
        _random = new Random(seed);
        _catalog = catalog;
        _batchSize = batchSize;
        _count = count;
        _tailSize = tailSize;
        _reportsBilling = reportsBilling;
    }

    public BatchTemplate Get(ulong sequence) => _templates[(int)(sequence % (ulong)_templates.Length)];

    /// <summary>The shorter last batch of a --records run; null when the records divide evenly.</summary>
    public BatchTemplate? Tail => _tail;

    /// <summary>Builds a new set stamped around <paramref name="now"/> (UTC); not concurrently with itself.</summary>
    public void Refresh(DateTime now)
    {
        var templates = new BatchTemplate[_count];
        for (var i = 0; i < templates.Length; i++)
        {
            templates[i] = BatchTemplateFactory.Create(_random, _batchSize, _catalog, _reportsBilling, now);
        }

        var tail = _tailSize > 0 ? BatchTemplateFactory.Create(_random, _tailSize, _catalog, _reportsBilling, now) : null;
        _templates = templates;
        _tail = tail;
    }
}
