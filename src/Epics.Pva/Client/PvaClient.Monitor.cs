using Epics.Pva.Data;

namespace Epics.Pva.Client;

public sealed partial class PvaClient
{
    /// <summary>
    /// Subscribes to <paramref name="name"/>. <paramref name="request"/> is a pvRequest in text form, e.g.
    /// <c>record[queueSize=100,pipeline=true]field()</c>; null asks for everything.
    /// </summary>
    public PvaSubscription Subscribe(string name, string? request = null, MonitorOptions? options = null) =>
        Subscribe(name, PvRequestText(request), options);

    /// <summary>Subscribes with a pvRequest built in code (needed for the data distributor's <c>_[...]</c> options).</summary>
    public PvaSubscription Subscribe(string name, PvValue request, MonitorOptions? options = null) =>
        new(GetChannel(name), request, options ?? MonitorOptions.Default);

    /// <summary>
    /// Monitors <paramref name="name"/>: <c>await foreach (var update in client.MonitorAsync("x"))</c>. The
    /// subscription is destroyed when the enumeration stops.
    /// </summary>
    public async IAsyncEnumerable<PvMonitorUpdate> MonitorAsync(string name, string? request = null, MonitorOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var subscription = Subscribe(name, request, options);
        try
        {
            await foreach (var update in subscription.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
