using System.Diagnostics;
using System.Globalization;
using Epics.Ca;
using Epics.Ca.Client;
using Epics.Pva;
using Epics.Pva.Client;
using Epics.Pva.Server;
using Epics.Streaming.Internal;

namespace Epics.Streaming;

/// <summary>
/// Re-serves PVA or CA channels on a local PVA server (<c>pvstream mirror-server</c>, framework.md §10). Each
/// channel-map entry gets K source monitors feeding one mirror record; clients of the mirror may use the data
/// distributor like on any pvstream server. Counters are kept per channel.
/// </summary>
public sealed class MirrorServer : IAsyncDisposable
{
    private readonly PvaServerOptions _serverOptions;
    private readonly PvaClientOptions _clientOptions;
    private readonly CaClientOptions _caClientOptions;
    private readonly TextWriter _output;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<MirrorChannel> _channels = [];
    private PvaServer? _server;

    /// <summary>A mirror server; the server and clients default to the EPICS environment settings.</summary>
    public MirrorServer(MirrorServerOptions options, PvaServerOptions? serverOptions = null, PvaClientOptions? clientOptions = null,
        CaClientOptions? caClientOptions = null, TextWriter? output = null)
    {
        Options = options;
        Channels = MirrorChannelSpec.ParseMap(options.ChannelMap);
        _serverOptions = serverOptions ?? PvaServerOptions.FromEnvironment();
        _clientOptions = clientOptions ?? PvaClientOptions.FromEnvironment();
        _caClientOptions = caClientOptions ?? CaClientOptions.FromEnvironment();
        _output = output ?? Console.Out;
    }

    /// <summary>The options.</summary>
    public MirrorServerOptions Options { get; }

    /// <summary>The parsed channel map.</summary>
    public IReadOnlyList<MirrorChannelSpec> Channels { get; }

    /// <summary>The PVA server (after <see cref="Started"/>).</summary>
    public PvaServer? Server => _server;

    /// <summary>Completes when the server is listening and the source monitors are created.</summary>
    public Task Started => _started.Task;

    /// <summary>The counters of mirror channel <paramref name="mirrorName"/>.</summary>
    public MirrorChannelCounters GetCounters(string mirrorName) =>
        _channels.FirstOrDefault(c => c.Spec.MirrorName == mirrorName)?.Counters ?? throw new KeyNotFoundException($"no mirror channel {mirrorName}");

    /// <summary>Resets the counters of one channel.</summary>
    public void ResetCounters(string mirrorName) =>
        (_channels.FirstOrDefault(c => c.Spec.MirrorName == mirrorName) ?? throw new KeyNotFoundException($"no mirror channel {mirrorName}")).ResetCounters();

    /// <summary>Runs until the runtime elapses or <paramref name="cancellationToken"/> fires; prints the final counters.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        _server = new PvaServer(_serverOptions);
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        var client = new PvaClient(_clientOptions);
        await using var clientScope = client.ConfigureAwait(false);
        CaClient? caClient = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new List<Task>();
        foreach (var spec in Channels)
        {
            WriteLine($"Adding mirror channel {spec.MirrorName} using source {spec.SourceName} (provider type: {spec.Provider.ToString().ToLowerInvariant()}; queue size: {spec.QueueSize}; number of monitors: {spec.MonitorCount}; request descriptor: {spec.Request})");
            var channel = new MirrorChannel(spec, _server);
            _channels.Add(channel);
            for (var k = 0; k < spec.MonitorCount; k++)
            {
                if (spec.Provider == MirrorProvider.Pva)
                {
                    loops.Add(RunPvaMonitorAsync(client, channel, k, stop.Token));
                }
                else
                {
                    caClient ??= new CaClient(_caClientOptions);
                    loops.Add(RunCaMonitorAsync(caClient, channel, k, stop.Token));
                }
            }
        }

        WriteLine(Inv($"Started mirror server @ {Epoch():F3}"));
        _started.TrySetResult();
        var start = Stopwatch.GetTimestamp();
        var lastReport = start;
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(Options.Runtime > 0 ? Math.Min(1, Options.Runtime) : 1), cancellationToken).ConfigureAwait(false);
                if (Options.Runtime > 0 && Stopwatch.GetElapsedTime(start).TotalSeconds >= Options.Runtime)
                {
                    break;
                }

                if (Options.ReportPeriod > 0 && Stopwatch.GetElapsedTime(lastReport).TotalSeconds >= Options.ReportPeriod)
                {
                    lastReport = Stopwatch.GetTimestamp();
                    WriteLine(string.Empty);
                    foreach (var c in _channels)
                    {
                        WriteLine(Inv($"Channel {c.Spec.MirrorName} @ {Epoch():F3}: {c.Counters}"));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            WriteLine("Keyboard interrupt received, exiting.");
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (caClient is not null)
        {
            await caClient.DisposeAsync().ConfigureAwait(false);
        }

        WriteLine("Final Channel Statistics:");
        foreach (var c in _channels)
        {
            WriteLine($"Channel {c.Spec.MirrorName}: {c.Counters}");
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } s)
        {
            await s.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task RunPvaMonitorAsync(PvaClient client, MirrorChannel channel, int k, CancellationToken cancel)
    {
        var subscription = client.Subscribe(channel.Spec.SourceName, channel.Spec.PvRequest);
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
            while (await subscription.ReadAsync(cancel).ConfigureAwait(false) is { } update)
            {
                using (update)
                {
                    channel.OnUpdate(k, update.Value, !update.Overrun.IsEmpty);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (PvaException)
        {
            // The source refused the request: nothing to mirror for this monitor.
        }
    }

    private static async Task RunCaMonitorAsync(CaClient client, MirrorChannel channel, int k, CancellationToken cancel)
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
        catch (CaException)
        {
        }
    }

    private void WriteLine(string line)
    {
        lock (_output)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    private static double Epoch() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
