using System.Diagnostics;
using System.Globalization;
using System.Net;
using Epics.Ca.Client;
using Epics.Ca.Server;
using Epics.Pva;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Pva.Server;
using Epics.Streaming.Frames;
using Epics.Streaming.Internal;

namespace Epics.Streaming;

/// <summary>
/// The simulated area detector (<c>pvstream ad-sim-server</c>, framework.md §11): serves NTNDArray frames laid out as
/// pvapy publishes them, from random data or files, at a paced frame rate, plus optional metadata PVs.
/// Publishing reuses one frame value and shares the cached frame arrays with the monitors, so a frame costs no copy.
/// </summary>
/// <example>
/// <code>
/// await using var sim = new AdSimServer(new AdSimServerOptions { Nx = 128, Ny = 128, FrameRate = 100, Runtime = 10 });
/// var stats = await sim.RunAsync(cancellationToken);
/// </code>
/// </example>
public sealed class AdSimServer : IAsyncDisposable
{
    private readonly PvaServerOptions _serverOptions;
    private readonly CaServerOptions _caServerOptions;
    private readonly CaClientOptions _caClientOptions;
    private readonly TextWriter _output;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly FrameBufferPool _pool = new(maxPerBucket: 64);
    private PvaServer? _server;
    private CaServer? _caServer;
    private long _published;

    /// <summary>A simulator with <paramref name="options"/>; servers default to the EPICS environment settings.</summary>
    public AdSimServer(AdSimServerOptions options, PvaServerOptions? serverOptions = null, TextWriter? output = null,
        CaServerOptions? caServerOptions = null, CaClientOptions? caClientOptions = null)
    {
        Options = options;
        _serverOptions = serverOptions ?? PvaServerOptions.FromEnvironment();
        _caServerOptions = caServerOptions ?? CaServerOptionsFromEnvironment();
        _caClientOptions = caClientOptions ?? CaClientOptions.FromEnvironment();
        _output = output ?? Console.Out;
    }

    /// <summary>The options.</summary>
    public AdSimServerOptions Options { get; }

    /// <summary>The PVA server (after <see cref="Started"/>).</summary>
    public PvaServer? Server => _server;

    /// <summary>The embedded CA server for CA metadata PVs, if any.</summary>
    public CaServer? CaServer => _caServer;

    /// <summary>Completes when the records are served (before the start delay).</summary>
    public Task Started => _started.Task;

    /// <summary>Frames published so far.</summary>
    public long PublishedFrames => Interlocked.Read(ref _published);

    /// <summary>
    /// Runs the simulator: validates the options, builds the frame cache, serves the records, publishes for the runtime
    /// (or until <paramref name="cancellationToken"/>), waits the shutdown delay and stops. Bad options or inputs throw
    /// <see cref="StreamingConfigurationException"/> before anything is served.
    /// </summary>
    public async Task<AdSimStatistics> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = Options;
        o.Validate();
        var messages = new List<string>();
        var sources = FrameSources.Create(o, _pool, messages);
        var reporter = new Reporter(_output, !o.DisableCurses);
        await using (reporter.ConfigureAwait(false))
        {
            foreach (var s in messages)
            {
                reporter.WriteLine(s);
            }

            if (sources is [RandomFrameSource random])
            {
                var shape = random.Shape;
                reporter.WriteLine($"Generating random frames using color mode: {FrameShape.ColorModeName(shape.ColorMode)}");
                reporter.WriteLine(shape.ColorMode == 0 ? $"Generated frame shape: ({shape.Ny}, {shape.Nx})" : $"Generated frame shape: ({shape.Ny}, {shape.Nx}, 3)");
                reporter.WriteLine($"Range of generated values: {random.RangeText}");
            }

            using var cache = new FrameCache(sources, o.NFrames, o.CacheSize, o.MaxRandomCacheBytes);
            var cacheTimeout = TimeSpan.FromSeconds(Math.Max(1, o.FrameRate > 0 ? 1 / o.FrameRate : 0));
            cache.QueueWait = TimeSpan.FromSeconds(o.StartDelay) + cacheTimeout;
            var first = cache.FirstShape;
            var frameBytes = (long)first.ByteLength;
            var first0 = cache.QueueMode ? null : cache.Get(0);
            var compressedBytes = first0?.Data.ByteLength ?? FirstStoredLength(sources[0]) ?? frameBytes;
            var codecName = sources[0].Codec is { Length: > 0 } codec ? codec : "None";
            reporter.WriteLine(Inv($"Number of input frames: {cache.TotalFrames} (size: {first.Nx}x{first.Ny}, {frameBytes}B, type: {AdSimServerOptions.DataTypeName(first.ElementType)}, compressor: {codecName}, compressed size: {compressedBytes}B)"));
            if (cache.DistinctLimited)
            {
                reporter.WriteLine(Inv($"Random frame cache limited to {cache.TotalFrames} distinct frames ({o.MaxRandomCacheBytes / 1e9:F1} GB)"));
            }

            reporter.WriteLine(cache.QueueMode
                ? $"Frame cache type: queue (cache size: {o.CacheSize})"
                : $"Frame cache type: dict (cache size: {o.CacheSize})");
            var fps = Math.Max(0, o.FrameRate);
            reporter.WriteLine(Inv($"Expected data rate: {compressedBytes * fps / 1e6:F4}MBps (uncompressed: {frameBytes * fps / 1e6:F4}MBps)"));
            cache.ProducerDone += n => reporter.WriteLine($"Frame producer is done after {n} generated frames");

            // Metadata records first, then the image record (as the reference orders them).
            var metadata = ParseMetadata(o.MetadataPvs);
            _server = new PvaServer(_serverOptions);
            var pvaMetadata = new List<(SharedPv Pv, PvValue Value)>();
            var caMetadata = new List<CaServerPv>();
            foreach (var (name, ca) in metadata)
            {
                if (ca)
                {
                    if (_caServer is null)
                    {
                        _caServer = new CaServer(_caServerOptions);
                    }

                    caMetadata.Add(_caServer.AddPv(name, 0.0));
                }
                else
                {
                    var value = new PvValue(MetadataType);
                    var pv = new SharedPv(value);
                    _server.AddPv(name, pv);
                    pvaMetadata.Add((pv, value));
                }
            }

            var imagePv = new SharedPv(NTNDArray.Create(NTNDArrayLayout.PvaPy).Structure);
            _server.AddPv(o.ChannelName, imagePv);
            await _server.StartAsync(cancellationToken).ConfigureAwait(false);
            _caServer?.Start();
            cache.StartProducer();
            _started.TrySetResult();
            var notify = o.NotifyPv is { } npv ? NotifyAsync(npv, o.NotifyPvValue, reporter, cancellationToken) : Task.CompletedTask;

            AdSimStatistics stats;
            var startTime = Stopwatch.GetTimestamp();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(o.StartDelay), cancellationToken).ConfigureAwait(false);
                var publisher = new Publisher(this, cache, imagePv, pvaMetadata, caMetadata, reporter, cacheTimeout, cancellationToken);
                var thread = new Thread(publisher.Run) { IsBackground = true, Name = "ad-sim publisher", Priority = ThreadPriority.AboveNormal };
                thread.Start();
                await publisher.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
                stats = publisher.Statistics;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                reporter.WriteLine(Inv($"Server was interrupted after {Stopwatch.GetElapsedTime(startTime).TotalSeconds:F3} seconds, exiting..."));
                stats = new AdSimStatistics(PublishedFrames, 0, 0, 0, 0, 0, 0);
            }

            await notify.ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested && o.ShutdownDelay > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(o.ShutdownDelay), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            await reporter.DisposeAsync().ConfigureAwait(false);
            await StopServersAsync().ConfigureAwait(false);
            reporter.WriteLine(string.Empty);
            reporter.WriteLine(Inv($"Server runtime: {stats.Runtime:F4} seconds"));
            reporter.WriteLine(Inv($"Published frames: {stats.PublishedFrames} @ {stats.FrameRate:F4} fps"));
            reporter.WriteLine(Inv($"Data rate: {stats.DataRateMBps:F4}MBps"));
            return stats;
        }
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
    public async ValueTask DisposeAsync() => await StopServersAsync().ConfigureAwait(false);

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

    private async Task NotifyAsync(string pv, string value, Reporter reporter, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            var client = new CaClient(_caClientOptions);
            await using var clientScope = client.ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.PutAsync(pv, value, timeout.Token).ConfigureAwait(false);
            reporter.WriteLine($"Set notification PV {pv} to {value}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            reporter.WriteLine($"Could not set notification PV {pv} to {value}: {(e is OperationCanceledException ? "timeout" : e.Message)}");
        }
    }

    private static CaServerOptions CaServerOptionsFromEnvironment()
    {
        var o = CaServerOptions.Default;
        var port = Environment.GetEnvironmentVariable("EPICS_CAS_SERVER_PORT") ?? Environment.GetEnvironmentVariable("EPICS_CA_SERVER_PORT");
        if (int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 65535)
        {
            o = o with { TcpPort = p, UdpPort = p };
        }

        var intf = Environment.GetEnvironmentVariable("EPICS_CAS_INTF_ADDR_LIST");
        if (intf is not null && IPAddress.TryParse(intf.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var a))
        {
            o = o with { InterfaceAddress = a };
        }

        return o;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // The hot loop, on its own thread so pacing does not depend on the thread pool.
    private sealed class Publisher(AdSimServer owner, FrameCache cache, SharedPv imagePv, List<(SharedPv Pv, PvValue Value)> pvaMetadata,
        List<CaServerPv> caMetadata, Reporter reporter, TimeSpan cacheTimeout, CancellationToken cancel)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Done => _done.Task;

        public AdSimStatistics Statistics { get; private set; } = new(0, 0, 0, 0, 0, 0, 0);

        public void Run()
        {
            try
            {
                Publish();
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
                return;
            }

            _done.TrySetResult();
        }

        private void Publish()
        {
            var o = owner.Options;
            var pacer = new FramePacer(o.FrameRate);
            var image = NTNDArray.Create(NTNDArrayLayout.PvaPy);
            image.Descriptor = "Image generated by PvaPy";
            var value = image.Structure;
            var random = new Random();
            FrameShape? shape = null;
            string? codec = null;
            long n = 0, bytes = 0, firstTicks = 0, lastTicks = 0;
            var cpuStart = TimeSpan.Zero;
            var rp = o.ReportPeriod;
            var runtimeTicks = o.Runtime > 0 ? (long)(o.Runtime * Stopwatch.Frequency) : long.MaxValue;
            while (!cancel.IsCancellationRequested)
            {
                SimFrame? frame;
                if (cache.QueueMode)
                {
                    frame = cache.Take(cacheTimeout);
                    if (frame is null)
                    {
                        reporter.WriteLine("Server exiting after emptying queue");
                        break;
                    }
                }
                else
                {
                    frame = cache.Get(n);
                }

                // Metadata values first, stamped with the frame's time.
                var t = PvTimeStamp.Now();
                foreach (var pv in caMetadata)
                {
                    pv.Post(random.NextDouble(), t.ToDateTimeOffset());
                }

                foreach (var (pv, md) in pvaMetadata)
                {
                    md["value"].Set(random.NextDouble());
                    t.WriteTo(md["timeStamp"]);
                    pv.Post(md);
                    md.Changed.Clear();
                }

                if (!ReferenceEquals(frame.Shape, shape) || frame.Codec != codec)
                {
                    shape = frame.Shape;
                    codec = frame.Codec;
                    image.SetDimensions(shape.Dimensions);
                    image.SetAttributes(image.NewAttribute("ColorMode", shape.ColorMode));
                    image.SetCodec(codec, codec.Length > 0 ? shape.ElementType : null);
                }

                image.SetImage(cache.QueueMode ? frame.Data : frame.Data.Retain());
                if (codec.Length > 0)
                {
                    image.CompressedSize = frame.Data.ByteLength;
                    image.UncompressedSize = frame.UncompressedSize;
                }

                n++;
                image.UniqueId = (int)n;
                image.DataTimeStamp = t;
                image.TimeStamp = t;
                imagePv.Post(value);
                value.Changed.Clear();
                bytes += frame.Data.ByteLength;
                Interlocked.Exchange(ref owner._published, n);

                var now = Stopwatch.GetTimestamp();
                if (n == 1)
                {
                    firstTicks = now;
                    pacer.Start(now);
                    cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
                }
                else
                {
                    pacer.Record(n - 1, now);
                }

                lastTicks = now;
                var elapsed = now - firstTicks;
                if (rp > 0 && n % rp == 0)
                {
                    var secs = elapsed / (double)Stopwatch.Frequency;
                    var rate = secs > 0 ? (n - 1) / secs : 0;
                    var wall = t.SecondsPastEpoch + (t.Nanoseconds / 1e9);
                    reporter.Report(Inv($"Published frame id {n,6} @ {wall:F3}s (frame rate: {rate:F4}fps; runtime: {secs:F3}s)"));
                }

                if (elapsed > runtimeTicks)
                {
                    reporter.WriteLine(Inv($"Server exiting after reaching runtime of {o.Runtime} seconds"));
                    break;
                }

                if (cache.QueueMode && n >= cache.TotalFrames)
                {
                    reporter.WriteLine($"Server exiting after publishing {n}");
                    break;
                }

                if (!pacer.WaitFor(n, cancel))
                {
                    break;
                }
            }

            var runtime = (lastTicks - firstTicks) / (double)Stopwatch.Frequency;
            var cpu = n > 0 ? (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds : 0;
            Statistics = new AdSimStatistics(
                n,
                runtime,
                runtime > 0 ? (n - 1) / runtime : 0,
                runtime > 0 ? bytes / runtime / 1e6 : 0,
                pacer.Samples > 0 ? pacer.SumLate / pacer.Samples : 0,
                pacer.MaxLate,
                n > 1 ? cpu / (n - 1) : 0);
        }
    }
}
