using Epics.Pva.Data;

namespace Epics.Pva.Server.Internal;

/// <summary>
/// A client request that arrived while its PV had no type: it waits in the PV until <see cref="ServerPv.Open"/>
/// releases it, its time limit fails it, or the client cancels it. Exactly one of the three happens.
/// </summary>
internal sealed class HeldRequest(ServerConnection connection, uint ioid, bool isMonitor, Action<HeldRequest> release, Action<HeldRequest, PvaStatus> fail)
{
    private int _done;

    public ServerConnection Connection { get; } = connection;

    public uint Ioid { get; } = ioid;

    public bool IsMonitor { get; } = isMonitor;

    public ITimer? Timer { get; set; }

    /// <summary>The PV opened: the request goes on (called outside the PV's lock).</summary>
    public void Release()
    {
        if (TryFinish())
        {
            release(this);
        }
    }

    /// <summary>The time limit passed: the request fails with <paramref name="status"/>.</summary>
    public void Fail(PvaStatus status)
    {
        if (TryFinish())
        {
            fail(this, status);
        }
    }

    /// <summary>The client cancelled it or went away: nothing is sent.</summary>
    public void Cancel() => TryFinish();

    private bool TryFinish()
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return false;
        }

        Timer?.Dispose();
        return true;
    }
}
