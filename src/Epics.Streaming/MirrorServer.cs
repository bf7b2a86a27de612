using Epics.Ca;
using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Server;
using Epics.Streaming.Internal;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming;

/// <summary>
/// Re-serves PVA or CA channels on a local PVA server (<c>pvstream mirror-server</c>, framework.md §10). Each
/// channel-map entry gets K source monitors feeding one mirror record; clients of the mirror may use the data
/// distributor like on any pvstream server. Counters are kept per channel. A source that goes away takes its mirror
/// record with it until it returns; <see cref="SourceChanged"/> and the log say so. The mirror prints nothing and reads
/// no environment.
/// </summary>
public sealed class MirrorServer : IAsyncDisposable
{
    private static readonly TimeSpan ResubscribeDelay = TimeSpan.FromSeconds(1);
    private readonly PvaServerOptions _serverOptions;
    private readonly PvaClientOptions _clientOptions;
    private readonly CaClientOptions _caClientOptions;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<MirrorChannel> _channels = [];
    private readonly List<Task> _loops = [];
    private PvaServer? _server;
    private PvaClient? _client;
    private CaClient? _caClient;
    private int _stopped;

    /// <summary>A mirror server; the server and clients use the given options (default: the standard EPICS settings).</summary>
    /// <exception cref="StreamingConfigurationException">The channel map is invalid.</exception>
    public MirrorServer(MirrorServerOptions options, PvaServerOptions? serverOptions = null, PvaClientOptions? clientOptions = null,
        CaClientOptions? caClientOptions = null, ILogger? logger = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Channels = MirrorChannelSpec.ParseMap(options.ChannelMap);
        _serverOptions = serverOptions ?? PvaServerOptions.Default;
        _clientOptions = clientOptions ?? PvaClientOptions.Default;
        _caClientOptions = caClientOptions ?? CaClientOptions.Default;
        _logger = logger ?? _serverOptions.LoggerFactory.CreateLogger<MirrorServer>();
    }

    /// <summary>A source connected, was not found in time, went away or refused the monitor.</summary>
    public event EventHandler<MirrorSourceEvent>? SourceChanged;

    /// <summary>The options.</summary>
    public MirrorServerOptions Options { get; }

    /// <summary>The parsed channel map.</summary>
    public IReadOnlyList<MirrorChannelSpec> Channels { get; }

    /// <summary>The PVA server (after <see cref="Started"/>).</summary>
    public PvaServer? Server => _server;

    /// <summary>Completes when the server is listening and the source monitors are created.</summary>
    public Task Started => _started.Task;

    /// <summary>The counters of mirror channel <paramref name="mirrorName"/>.</summary>
    public MirrorChannelCounters GetCounters(string mirrorName) => Find(mirrorName).Counters;

    /// <summary>Whether mirror channel <paramref name="mirrorName"/> is served now (its source is connected).</summary>
    public bool IsServed(string mirrorName) => Find(mirrorName).IsServed;

    /// <summary>Resets the counters of one channel.</summary>
    public void ResetCounters(string mirrorName) => Find(mirrorName).ResetCounters();

    /// <summary>Starts the server and the source monitors.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null || _stopped != 0)
        {
            throw new InvalidOperationException("The mirror has already been started.");
        }

        _server = new PvaServer(_serverOptions);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        _client = new PvaClient(_clientOptions);
        var guard = new PutAccessGuard(Options.AllowedClients, _logger);
        foreach (var spec in Channels)
        {
            _logger.LogInformation("Mirroring {Source} ({Provider}) as {Mirror} with {Monitors} monitor(s)", spec.SourceName, spec.Provider, spec.MirrorName, spec.MonitorCount);
            var channel = new MirrorChannel(spec, _server, guard, OnSourceChanged);
            _channels.Add(channel);
            for (var k = 0; k < spec.MonitorCount; k++)
            {
                if (spec.Provider == MirrorProvider.Pva)
                {
                    _loops.Add(RunPvaMonitorAsync(_client, channel, k, _stop.Token));
                }
                else
                {
                    _caClient ??= new CaClient(_caClientOptions);
                    _loops.Add(RunCaMonitorAsync(_caClient, channel, k, _stop.Token));
                }
            }
        }

        _loops.Add(WatchForMissingSourcesAsync(_stop.Token));
        _started.TrySetResult();
    }

    /// <summary>Stops the source monitors and the server.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref _caClient, null) is { } ca)
        {
            await ca.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _client, null) is { } client)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _server, null) is { } s)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts, runs until <see cref="MirrorServerOptions.Runtime"/> elapses or <paramref name="cancellationToken"/> fires, and stops.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Options.Runtime > 0 ? TimeSpan.FromSeconds(Options.Runtime) : Timeout.InfiniteTimeSpan, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private MirrorChannel Find(string mirrorName) =>
        _channels.FirstOrDefault(c => c.Spec.MirrorName == mirrorName) ?? throw new KeyNotFoundException($"no mirror channel {mirrorName}");

    private void OnSourceChanged(MirrorChannel channel, MirrorSourceState state, string? detail)
    {
        var spec = channel.Spec;
        switch (state)
        {
            case MirrorSourceState.Connected:
                _logger.LogInformation("Source {Source} connected: serving {Mirror}", spec.SourceName, spec.MirrorName);
                break;
            case MirrorSourceState.Disconnected:
                _logger.LogWarning("Source {Source} disconnected: {Mirror} has no value until it returns", spec.SourceName, spec.MirrorName);
                break;
            case MirrorSourceState.NotFound:
                _logger.LogWarning("Source {Source} of {Mirror} not found after {Seconds} s; still looking", spec.SourceName, spec.MirrorName, Options.SourceTimeout.TotalSeconds);
                break;
            default:
                _logger.LogError("Source {Source} of {Mirror} refused the monitor: {Detail}", spec.SourceName, spec.MirrorName, detail);
                break;
        }

        try
        {
            SourceChanged?.Invoke(this, new MirrorSourceEvent(spec.MirrorName, spec.SourceName, state, detail));
        }
        catch (Exception e)
        {
            // A host's handler must not stop the mirror.
            _logger.LogError(e, "A SourceChanged handler failed");
        }
    }

    private async Task WatchForMissingSourcesAsync(CancellationToken cancel)
    {
        await Task.Delay(Options.SourceTimeout, cancel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (cancel.IsCancellationRequested)
        {
            return;
        }

        foreach (var c in _channels.Where(c => !c.EverConnected))
        {
            OnSourceChanged(c, MirrorSourceState.NotFound, null);
        }
    }

    // One source monitor for as long as the mirror runs: a monitor the source ends (its record closed or retyped) or
    // refuses is re-created after a pause, so the mirror record comes back when the source does.
    private async Task RunPvaMonitorAsync(PvaClient client, MirrorChannel channel, int k, CancellationToken cancel)
    {
        string? lastError = null;
        while (!cancel.IsCancellationRequested)
        {
            var subscription = client.Subscribe(channel.Spec.SourceName, channel.Spec.PvRequest);
            await using (((IAsyncDisposable)subscription).ConfigureAwait(false))
            {
                subscription.ConnectionChanged += (_, connected) =>
                {
                    if (!connected)
                    {
                        channel.OnDisconnected();
                    }
                };
                try
                {
                    while (await subscription.ReadAsync(cancel).ConfigureAwait(false) is { } update)
                    {
                        using (update)
                        {
                            lastError = null;
                            channel.OnUpdate(k, update.Value, !update.Overrun.IsEmpty);
                        }
                    }

                    // The source ended the monitor: it no longer serves what is mirrored.
                    channel.OnDisconnected();
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;
                }
                catch (PvaException e)
                {
                    channel.OnDisconnected();
                    if (e.Message != lastError)
                    {
                        lastError = e.Message;
                        OnSourceChanged(channel, MirrorSourceState.Failed, e.Message);
                    }
                }
            }

            await Task.Delay(ResubscribeDelay, cancel).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunCaMonitorAsync(CaClient client, MirrorChannel channel, int k, CancellationToken cancel)
    {
        var subscription = client.Subscribe(channel.Spec.SourceName);
        await using var scope = ((IAsyncDisposable)subscription).ConfigureAwait(false);
        subscription.ConnectionChanged += (_, connected) =>
        {
            if (!connected)
            {
                channel.OnDisconnected();
            }
        };
        try
        {
            await foreach (var value in subscription.WithCancellation(cancel).ConfigureAwait(false))
            {
                value.MarkAllChanged();
                channel.OnUpdate(k, value, false);
                value.Dispose();
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (CaException e)
        {
            channel.OnDisconnected();
            OnSourceChanged(channel, MirrorSourceState.Failed, e.Message);
        }
    }
}
