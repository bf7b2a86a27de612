using Epics.Pva.Data;
using Epics.Pva.Server;

namespace Epics.Streaming.Internal;

/// <summary>
/// The mirror record of one channel-map entry (framework.md §10.2), fed by K source monitors. The record is served
/// from the start without a type, so clients that come first wait for the first source update (which gives it its
/// structure) instead of finding nothing. When the source goes away the record loses its value (it is closed, never
/// re-sent stale as if new): its monitors wait, new gets are held and fail after 30 s, and the source's next update
/// opens it again; monitors resume with it (or, with another structure, end with "type changed" and ours re-subscribe).
/// </summary>
internal sealed class MirrorChannel
{
    private readonly Lock _lock = new();
    private readonly MirrorChannelSpec _spec;
    // Monitors wait for the source however long it is away: a pipeline stage behind the mirror resumes by itself.
    private static readonly ServerPvOptions RecordOptions = new() { ReopenTimeout = Timeout.InfiniteTimeSpan };

    private readonly SharedPv _pv = new(RecordOptions);
    private readonly Action<MirrorChannel, MirrorSourceState, string?> _changed;
    private readonly long[] _received;
    private readonly long[] _overruns;
    private PvType? _type;
    private int _skip;
    private bool _everConnected;

    public MirrorChannel(MirrorChannelSpec spec, PvaServer server, PutAccessGuard guard, Action<MirrorChannel, MirrorSourceState, string?> changed)
    {
        _spec = spec;
        _changed = changed;
        _received = new long[spec.MonitorCount];
        _overruns = new long[spec.MonitorCount];
        guard.Protect(spec.MirrorName, _pv);
        server.AddPv(spec.MirrorName, _pv);
    }

    public MirrorChannelSpec Spec => _spec;

    /// <summary>Whether the record has a value from a source that is connected now.</summary>
    public bool IsServed
    {
        get
        {
            lock (_lock)
            {
                return _pv.IsOpen;
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
                return new MirrorChannelCounters(sum > 0 ? Math.Max(0, sum - (_spec.MonitorCount - 1)) : 0, _overruns.Sum());
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
        var connected = false;
        lock (_lock)
        {
            _received[monitor]++;
            if (overrun)
            {
                _overruns[monitor]++;
            }

            if (_type is null || !_pv.IsOpen || !_type.Equals(value.Type))
            {
                // The first update, or the first since the source came back or changed its structure: it carries the
                // whole value, and the other monitors' first updates are duplicates of it.
                if (_pv.IsOpen)
                {
                    _pv.Close(); // another structure: subscriptions end with "type changed" and ours re-subscribe
                }

                _pv.Open(value);
                _type = value.Type;
                _skip = _spec.MonitorCount - 1;
                _everConnected = true;
                connected = true;
            }
            else if (_skip > 0)
            {
                _skip--;
            }
            else
            {
                if (_spec.MonitorCount > 1)
                {
                    // Each monitor's changed bits are relative to its own previous update: copy everything.
                    value.MarkAllChanged();
                }

                _pv.Post(value);
            }
        }

        if (connected)
        {
            _changed(this, MirrorSourceState.Connected, null);
        }
    }

    /// <summary>The source disconnected: the record loses its value until the source's next update.</summary>
    public void OnDisconnected()
    {
        lock (_lock)
        {
            if (_type is null)
            {
                return;
            }

            _pv.Close();
        }

        _changed(this, MirrorSourceState.Disconnected, null);
    }
}
