namespace Epics.Pva.Client.Internal;

/// <summary>
/// A first-in first-out queue whose newest entry can be reached in O(1), which a squash needs (a
/// <see cref="Queue{T}"/> can only reach its last entry by walking or rotating it). Grows when full; not thread-safe.
/// </summary>
internal sealed class UpdateQueue<T>(int capacity)
    where T : class
{
    private T?[] _items = new T?[Math.Max(2, capacity)];
    private int _head;

    public int Count { get; private set; }

    /// <summary>The most recently enqueued entry still queued.</summary>
    public T Newest => Count > 0 ? _items[IndexOf(Count - 1)]! : throw new InvalidOperationException("queue is empty");

    public void Enqueue(T item)
    {
        if (Count == _items.Length)
        {
            Grow();
        }

        _items[IndexOf(Count)] = item;
        Count++;
    }

    public bool TryDequeue(out T item)
    {
        if (Count == 0)
        {
            item = null!;
            return false;
        }

        item = _items[_head]!;
        _items[_head] = null; // the queue must not keep a handed-out update alive
        _head = (_head + 1) % _items.Length;
        Count--;
        return true;
    }

    private int IndexOf(int position) => (_head + position) % _items.Length;

    private void Grow()
    {
        var bigger = new T?[_items.Length * 2];
        for (var i = 0; i < Count; i++)
        {
            bigger[i] = _items[IndexOf(i)];
        }

        _items = bigger;
        _head = 0;
    }
}
