namespace Metering.Client.Internal;

/// <summary>A growable ring of batches in sequence order: append at the tail, remove at the head, read by index.</summary>
internal sealed class BatchRing
{
    private PendingBatch?[] _items = new PendingBatch?[64];
    private int _head;

    public int Count { get; private set; }

    public PendingBatch this[int index] => _items[(_head + index) & (_items.Length - 1)]!;

    public PendingBatch First => this[0];

    public PendingBatch Last => this[Count - 1];

    public void Add(PendingBatch batch)
    {
        if (Count == _items.Length)
        {
            var grown = new PendingBatch?[_items.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                grown[i] = this[i];
            }

            _items = grown;
            _head = 0;
        }

        _items[(_head + Count) & (_items.Length - 1)] = batch;
        Count++;
    }

    public PendingBatch RemoveFirst()
    {
        var batch = First;
        _items[_head] = null;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return batch;
    }
}
