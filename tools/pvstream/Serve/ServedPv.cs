using Epics.Pva.Server;

namespace Pvstream.Serve;

/// <summary>A PV <c>serve</c> hosts: the shared PV, a one-line description for <c>--list</c>, and its ticker if it has one.</summary>
internal sealed class ServedPv(string name, SharedPv pv, string description, double? rate = null, Action<long>? tick = null)
{
    public string Name { get; } = name;

    public SharedPv Pv { get; } = pv;

    public string Description { get; } = description;

    /// <summary>Updates per second of a generator (counter, sine, image), else null.</summary>
    public double? Rate { get; } = rate;

    /// <summary>Posts the update number <c>n</c> (1, 2, ...).</summary>
    public Action<long>? Tick { get; } = tick;

    /// <summary>Calls <see cref="Tick"/> at <see cref="Rate"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Tick is null || Rate is not { } rate)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        long n = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Tick(++n);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
