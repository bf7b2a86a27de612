using System.Diagnostics;
using Epics.Ca.Client;
using Epics.Ca.Server;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Frames;
using Epics.Streaming.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming;

/// <summary>
/// The simulated area detector (<c>pvstream ad-sim-server</c>, framework.md §11): serves NTNDArray frames laid out as
/// pvapy publishes them, from random data or files, at a paced frame rate, plus optional metadata PVs.
/// Publishing reuses one frame value and shares the cached frame arrays with the monitors, so a frame costs no copy.
/// The simulator prints nothing and reads no environment: it logs through an <see cref="ILogger"/>, reports through
/// <see cref="Reported"/> and <see cref="GetStatistics"/>, and serves with the server options it is given.
/// </summary>
/// <example>
/// <code>
/// await using var sim = new AdSimServer(new AdSimServerOptions { Nx = 128, Ny = 128, FrameRate = 100, Runtime = 10 },
///     PvaServerOptions.FromEnvironment());
/// var stats = await sim.RunAsync(cancellationToken);
/// </code>
/// </example>
public sealed class AdSimServer : IAsyncDisposable
{
    private readonly PvaServerOptions _serverOptions;
    private readonly CaServerOptions _caServerOptions;
    private readonly CaClientOptions _caClientOptions;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly FrameBufferPool _pool = new(maxPerBucket: 64);
    private PvaServer? _server;
    private CaServer? _caServer;
    private AdSimPublisher? _publisher;
    private Task<AdSimStatistics>? _completion;

    /// <summary>
    /// A simulator with <paramref name="options"/>. The servers use the given options (default: the standard EPICS
    /// ports and settings; a host that honours the EPICS environment passes options read from it).
    /// </summary>
    public AdSimServer(AdSimServerOptions options, PvaServerOptions? serverOptions = null, CaServerOptions? caServerOptions = null,
        CaClientOptions? caClientOptions = null, ILogger? logger = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _serverOptions = serverOptions ?? PvaServerOptions.Default;
        _caServerOptions = caServerOptions ?? CaServerOptions.Default;
        _caClientOptions = caClientOptions ?? CaClientOptions.Default;
        _logger = logger ?? _serverOptions.LoggerFactory.CreateLogger<AdSimServer>();
    }

    /// <summary>What the simulator reports while it runs (see <see cref="AdSimEvent"/>); handlers must be quick.</summary>
    public event EventHandler<AdSimEvent>? Reported;

    /// <summary>The options.</summary>
    public AdSimServerOptions Options { get; }

    /// <summary>The PVA server (after <see cref="Started"/>, until stopped).</summary>
    public PvaServer? Server => _server;

    /// <summary>The embedded CA server for CA metadata PVs, if any.</summary>
    public CaServer? CaServer => _caServer;

    /// <summary>Completes when the records are served (before the start delay).</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the simulator has stopped by itself or by <see cref="StopAsync"/>, with the final statistics.</summary>
    public Task<AdSimStatistics> Completion => _completion ?? throw new InvalidOperationException("The simulator has not been started.");

    /// <summary>Frames published so far.</summary>
    public long PublishedFrames => _publisher?.Published ?? 0;

    /// <summary>What has been published so far (final once <see cref="Completion"/> is done).</summary>
    public AdSimStatistics GetStatistics() => _publisher?.Snapshot() ?? new AdSimStatistics(0, 0, 0, 0, 0, 0, 0);

    /// <summary>
    /// Validates the options, builds the frame cache and serves the records; publishing then starts after the start
    /// delay and runs for the runtime (see <see cref="Completion"/>). Bad options or inputs throw
    /// <see cref="StreamingConfigurationException"/> before anything is served.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_completion is not null)
        {
            throw new InvalidOperationException("The simulator has already been started.");
        }

        var o = Options;
        o.Validate();
        var messages = new List<string>();
        var sources = FrameSources.Create(o, _pool, messages);
        foreach (var m in messages)
        {
            _logger.LogWarning("{Message}", m);
            Raise(new AdSimInputMessage(m));
        }

        var cache = new FrameCache(sources, o.NFrames, o.CacheSize, o.MaxRandomCacheBytes);
        try
        {
            var cacheTimeout = TimeSpan.FromSeconds(Math.Max(1, o.FrameRate > 0 ? 1 / o.FrameRate : 0));
            cache.QueueWait = TimeSpan.FromSeconds(o.StartDelay) + cacheTimeout;
            var first = cache.FirstShape;
            var first0 = cache.QueueMode ? null : cache.Get(0);
            var random = sources is [RandomFrameSource r]
                ? new AdSimRandomFrames(r.Shape.ColorMode, r.Shape.Nx, r.Shape.Ny, r.Shape.ElementType, r.RangeText)
                : null;
            Raise(new AdSimFramesReady(random, cache.TotalFrames, first, first.ByteLength, sources[0].Codec,
                first0?.Data.ByteLength ?? FirstStoredLength(sources[0]) ?? first.ByteLength, cache.DistinctLimited, o.MaxRandomCacheBytes,
                cache.QueueMode, o.CacheSize, o.FrameRate, o.StartDelay));
            cache.ProducerDone += n => Raise(new AdSimProducerDone(n));

            // Metadata records first, then the image record (as the reference orders them).
            _server = new PvaServer(_serverOptions);
            var pvaMetadata = new List<(SharedPv Pv, PvValue Value)>();
            var caMetadata = new List<CaServerPv>();
            var guard = new PutAccessGuard(o.AllowedClients, _logger);
            foreach (var (name, ca) in ParseMetadata(o.MetadataPvs))
            {
                if (ca)
                {
                    _caServer ??= new CaServer(_caServerOptions);
                    caMetadata.Add(_caServer.AddPv(name, 0.0));
                }
                else
                {
                    var value = new PvValue(MetadataType);
                    var pv = new SharedPv(value);
                    guard.Protect(name, pv);
                    _server.AddPv(name, pv);
                    pvaMetadata.Add((pv, value));
                }
            }

            var imagePv = new SharedPv(NTNDArray.Create(NTNDArrayLayout.PvaPy).Structure);
            guard.Protect(o.ChannelName, imagePv);
            _server.AddPv(o.ChannelName, imagePv);
            await _server.StartAsync(cancellationToken).ConfigureAwait(false);
            _caServer?.Start();
            cache.StartProducer();
            _logger.LogInformation("Serving {Channel} on TCP port {Port}; first frame in {Delay} s", o.ChannelName, _server.TcpPort, o.StartDelay);
            _publisher = new AdSimPublisher(o, cache, imagePv, pvaMetadata, caMetadata, cacheTimeout, Raise, _stop.Token);
            _completion = RunToEndAsync(cache);
            _started.TrySetResult();
        }
        catch
        {
            cache.Dispose();
            await StopServersAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops publishing now (no shutdown delay), stops the servers and returns the final statistics.</summary>
    public async Task<AdSimStatistics> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        return _completion is { } c ? await c.ConfigureAwait(false) : GetStatistics();
    }

    /// <summary>
    /// Starts (see <see cref="StartAsync"/>) and runs until the simulator stops by itself or
    /// <paramref name="cancellationToken"/> fires (then it stops at once); returns the final statistics.
    /// </summary>
    public async Task<AdSimStatistics> RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        using var registration = cancellationToken.Register(() => _stop.Cancel());
        return await Completion.ConfigureAwait(false);
    }

    /// <summary>The structure of a PVA metadata PV: {double value; time_t timeStamp}.</summary>
    public static PvType MetadataType { get; } = PvType.Builder(string.Empty)
        .Add("value", ScalarType.Double)
        .Add("timeStamp", NTTypes.TimeStamp)
        .Build();

    /// <summary>Splits <c>-mpv</c>: <c>pva://x</c> → (x, false); <c>ca://x</c> or <c>x</c> → (x, true). Empty items are skipped.</summary>
    public static IReadOnlyList<(string Name, bool IsCa)> ParseMetadata(string? list)
    {
        var result = new List<(string, bool)>();
        foreach (var item in (list ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.StartsWith("pva://", StringComparison.Ordinal))
            {
                result.Add((item[6..], false));
            }
            else
            {
                result.Add((item.StartsWith("ca://", StringComparison.Ordinal) ? item[5..] : item, true));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_completion is not null)
        {
            await StopAsync().ConfigureAwait(false);
        }

        await StopServersAsync().ConfigureAwait(false);
    }

    private async Task<AdSimStatistics> RunToEndAsync(FrameCache cache)
    {
        var o = Options;
        var servedAt = Stopwatch.GetTimestamp();
        var notify = o.NotifyPv is { } npv ? NotifyAsync(npv, o.NotifyPvValue, _stop.Token) : Task.CompletedTask;
        var reason = AdSimStopReason.Stopped;
        try
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(o.StartDelay), _stop.Token).ConfigureAwait(false);
                _publisher!.Start();
                reason = await _publisher.Done.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }

            var published = _publisher!.Published;
            _logger.LogInformation("Publishing ended ({Reason}) after {Frames} frames", reason, published);
            Raise(new AdSimPublishingEnded(reason, published, Stopwatch.GetElapsedTime(servedAt).TotalSeconds));
            await notify.ConfigureAwait(false);
            if (!_stop.IsCancellationRequested && o.ShutdownDelay > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(o.ShutdownDelay), _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            await StopServersAsync().ConfigureAwait(false);
            cache.Dispose();
        }

        return GetStatistics();
    }

    // Queue mode keeps no frame 0 to look at; the startup line still reports the first frame's published size.
    private static long? FirstStoredLength(IFrameSource source)
    {
        if (source.Codec.Length == 0)
        {
            return null;
        }

        using var frame = source.ReadPublishable(0);
        return frame.Data.ByteLength;
    }

    private async Task StopServersAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } s)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _caServer, null) is { } c)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task NotifyAsync(string pv, string value, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            var client = new CaClient(_caClientOptions);
            await using var clientScope = client.ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.PutAsync(pv, value, timeout.Token).ConfigureAwait(false);
            Raise(new AdSimNotified(pv, value, null));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = e is OperationCanceledException ? "timeout" : e.Message;
            _logger.LogWarning("Could not set notification PV {Pv} to {Value}: {Error}", pv, value, error);
            Raise(new AdSimNotified(pv, value, error));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Raise(AdSimEvent e)
    {
        try
        {
            Reported?.Invoke(this, e);
        }
        catch (Exception ex)
        {
            // A host's handler must not stop the detector.
            _logger.LogError(ex, "A Reported handler failed on {Event}", e.GetType().Name);
        }
    }
}
