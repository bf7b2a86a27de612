using System.Collections.Concurrent;

namespace Epics.Streaming.Frames;

/// <summary>
/// The frames to publish (framework.md §11.3). When all frames fit in the cache ("dictionary mode") a background
/// producer builds each once and the publisher cycles through them, using frame 0 for any not built yet. Otherwise a
/// bounded queue is fed in order and every frame is published once ("queue mode").
/// </summary>
internal sealed class FrameCache : IDisposable
{
    private readonly List<IFrameSource> _sources;
    private readonly int[] _starts;
    private readonly SimFrame?[]? _slots;
    private readonly BlockingCollection<SimFrame>? _queue;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _producer;

    public FrameCache(List<IFrameSource> sources, int nFrames, int cacheSize, long maxBytes)
    {
        _sources = sources;
        _starts = new int[sources.Count];
        var total = 0L;
        for (var i = 0; i < sources.Count; i++)
        {
            _starts[i] = (int)total;
            total += sources[i].FrameCount;
        }

        if (nFrames > 0 && sources.All(s => s.FrameCount <= 1))
        {
            total = Math.Min(total, nFrames);
        }

        var frameBytes = Math.Max(1, sources[0].Shape.ByteLength);
        var isRandom = sources is [RandomFrameSource];
        if (isRandom && total <= cacheSize && total * frameBytes > maxBytes)
        {
            // Random frames cycle anyway: fewer distinct frames keep memory bounded without changing what is served.
            total = Math.Max(1, maxBytes / frameBytes);
            DistinctLimited = true;
        }

        TotalFrames = (int)Math.Min(int.MaxValue, total);
        QueueMode = TotalFrames > cacheSize;
        if (QueueMode)
        {
            _queue = new BlockingCollection<SimFrame>((int)Math.Max(1, Math.Min(maxBytes / frameBytes, cacheSize))); // -cs 1 is allowed
        }
        else
        {
            _slots = new SimFrame?[TotalFrames];
            _slots[0] = Build(0); // so the publisher always has a frame
        }

        FirstShape = sources[0].Shape;
    }

    public int TotalFrames { get; }

    public bool QueueMode { get; }

    /// <summary>True when the random cache was cut to fit the memory limit.</summary>
    public bool DistinctLimited { get; }

    public FrameShape FirstShape { get; }

    public int Built => _built;

    /// <summary>How long a queued frame may wait to be queued (start delay + cache timeout).</summary>
    public TimeSpan QueueWait { get; set; } = TimeSpan.FromSeconds(1);

    private int _built;

    public event Action<int>? ProducerDone;

    public void StartProducer()
    {
        _producer = new Thread(Produce) { IsBackground = true, Name = "ad-sim frame producer", Priority = ThreadPriority.BelowNormal };
        _producer.Start();
    }

    /// <summary>Dictionary mode: the frame for publish count <paramref name="n"/> (never null).</summary>
    public SimFrame Get(long n)
    {
        var slots = _slots!;
        return Volatile.Read(ref slots[(int)(n % slots.Length)]) ?? slots[0]!;
    }

    /// <summary>Queue mode: the next frame, or null when none arrives within <paramref name="timeout"/>.</summary>
    public SimFrame? Take(TimeSpan timeout) => _queue!.TryTake(out var f, timeout) ? f : null;

    internal SimFrame Build(int index)
    {
        var s = 0;
        while (s + 1 < _sources.Count && index >= _starts[s + 1])
        {
            s++;
        }

        var source = _sources[s];
        return source.ReadPublishable(source is RandomFrameSource ? index : index - _starts[s]);
    }

    private void Produce()
    {
        var start = _slots is not null ? 1 : 0;
        try
        {
            for (var i = start; i < TotalFrames && !_stop.IsCancellationRequested; i++)
            {
                var frame = Build(i);
                if (_slots is not null)
                {
                    Volatile.Write(ref _slots[i], frame);
                }
                else if (!_queue!.TryAdd(frame, (int)QueueWait.TotalMilliseconds, _stop.Token))
                {
                    frame.Dispose(); // the publisher is not keeping up: drop it, as the reference does
                }

                Interlocked.Increment(ref _built);
            }
        }
        catch (OperationCanceledException)
        {
        }

        _queue?.CompleteAdding();
        ProducerDone?.Invoke(_built + start);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _producer?.Join(TimeSpan.FromSeconds(5));
        if (_slots is not null)
        {
            foreach (var f in _slots)
            {
                f?.Dispose();
            }
        }

        if (_queue is not null)
        {
            while (_queue.TryTake(out var f))
            {
                f.Dispose();
            }

            _queue.Dispose();
        }

        foreach (var s in _sources)
        {
            s.Dispose();
        }

        _stop.Dispose();
    }
}
