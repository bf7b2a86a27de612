using System.Collections.Concurrent;

namespace Epics.Streaming.Tests;

/// <summary>Records what an <see cref="AdSimServer"/> reports.</summary>
internal sealed class AdSimEventLog
{
    private readonly ConcurrentQueue<AdSimEvent> _events = new();

    public AdSimEventLog(AdSimServer sim) => sim.Reported += (_, e) => _events.Enqueue(e);

    public IReadOnlyList<AdSimEvent> All => [.. _events];

    public T Single<T>() where T : AdSimEvent => Assert.Single(_events.OfType<T>());

    public IEnumerable<T> OfType<T>() where T : AdSimEvent => _events.OfType<T>();
}
