using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Streaming.Internal;

/// <summary>
/// The mirror record of one channel-map entry (framework.md §10.2): created from the first source update with that
/// update's structure, fed by K source monitors, removed when the source goes away and re-created when it returns.
/// </summary>
internal sealed class MirrorChannel(MirrorChannelSpec spec, PvaServer server, Action<MirrorChannel, MirrorSourceState, string?> changed)
{
    private readonly Lock _lock = new();
    private readonly long[] _received = new long[spec.MonitorCount];
    private readonly long[] _overruns = new long[spec.MonitorCount];
    private SharedPv? _pv;
    private int _skip;
    private bool _everConnected;

    public MirrorChannelSpec Spec => spec;

    public bool IsServed
    {
        get
        {
            lock (_lock)
            {
                return _pv is not null;
            }
        }
    }

    /// <summary>Whether any source update has arrived since the mirror started.</summary>
    public bool EverConnected
    {
        get
        {
            lock (_lock)
            {
                return _everConnected;
            }
        }
    }

    public MirrorChannelCounters Counters
    {
        get
        {
            lock (_lock)
            {
                var sum = _received.Sum();
                return new MirrorChannelCounters(sum > 0 ? Math.Max(0, sum - (spec.MonitorCount - 1)) : 0, _overruns.Sum());
            }
        }
    }

    public void ResetCounters()
    {
        lock (_lock)
        {
            Array.Clear(_received);
            Array.Clear(_overruns);
        }
    }

    /// <summary>An update from monitor <paramref name="monitor"/>; <paramref name="value"/> stays the caller's.</summary>
    public void OnUpdate(int monitor, PvValue value, bool overrun)
    {
        var created = false;
        lock (_lock)
        {
            _received[monitor]++;
            if (overrun)
            {
                _overruns[monitor]++;
            }

            if (_pv is { } pv && pv.Type is { } type && !type.Equals(value.Type))
            {
                Remove(); // the source came back with another structure
            }

            if (_pv is null)
            {
                _pv = new SharedPv(value);
                server.RemovePv(spec.MirrorName);
                server.AddPv(spec.MirrorName, _pv);
                _skip = spec.MonitorCount - 1; // the other monitors' initial values are duplicates
                _everConnected = true;
                created = true;
            }
            else if (_skip > 0)
            {
                _skip--;
            }
            else
            {
                if (spec.MonitorCount > 1)
                {
                    // Each monitor's changed bits are relative to its own previous update: copy everything.
                    value.MarkAllChanged();
                }

                _pv.Post(value);
            }
        }

        if (created)
        {
            changed(this, MirrorSourceState.Connected, null);
        }
    }

    /// <summary>The source disconnected: drop the record (its clients' monitors end) until the next update.</summary>
    public void OnDisconnected()
    {
        bool removed;
        lock (_lock)
        {
            removed = _pv is not null;
            Remove();
        }

        if (removed)
        {
            changed(this, MirrorSourceState.Disconnected, null);
        }
    }

    private void Remove()
    {
        if (_pv is not null)
        {
            server.RemovePv(spec.MirrorName);
            _pv.Close();
            _pv = null;
        }
    }
}
