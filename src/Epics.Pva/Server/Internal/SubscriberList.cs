using System.Collections;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// A PV's monitors in the order they subscribed (the order the data distributor serves them), with constant-time
/// removal: a client with tens of thousands of monitors on one PV must not cost quadratic time to tear down.
/// Not thread-safe; the PV's lock guards it.
/// </summary>
internal sealed class SubscriberList : IEnumerable<ServerMonitor>
{
    private readonly LinkedList<ServerMonitor> _order = new();
    private readonly Dictionary<ServerMonitor, LinkedListNode<ServerMonitor>> _nodes = new(ReferenceEqualityComparer.Instance);

    public int Count => _nodes.Count;

    public void Add(ServerMonitor monitor)
    {
        if (!_nodes.ContainsKey(monitor))
        {
            _nodes[monitor] = _order.AddLast(monitor);
        }
    }

    public bool Remove(ServerMonitor monitor)
    {
        if (!_nodes.Remove(monitor, out var node))
        {
            return false;
        }

        _order.Remove(node);
        return true;
    }

    public void Clear()
    {
        _nodes.Clear();
        _order.Clear();
    }

    public LinkedList<ServerMonitor>.Enumerator GetEnumerator() => _order.GetEnumerator();

    IEnumerator<ServerMonitor> IEnumerable<ServerMonitor>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
