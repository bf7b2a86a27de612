using System.CommandLine;
using Epics.Streaming;
using Epics.Streaming.Formats;
using Pvstream.Cli;
using Pvstream.Metrics;
using Pvstream.Streaming;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream ad-sim-server</c>: the simulated area detector with the options of <c>pvapy-ad-sim-server</c>
/// (framework.md §1.4), short and long spellings alike, and argparse's unique prefixes (<see cref="OptionAbbreviations"/>).
/// </summary>
internal static class AdSimServerCommand
{
    public static Command Create()
    {
        var d = new AdSimServerOptions();
        var inputDirectory = new Option<string?>("--input-directory", "-id") { Description = "Stream every regular file in this directory" };
        var inputFile = new Option<string?>("--input-file", "-if") { Description = "Stream this file (.npy/.npz, .h5 with --hdf-dataset, TIFF, EDF, CBF, raw with --config-file)" };
        var mmap = new Option<bool>("--mmap-mode", "-mm") { Description = "Open NumPy files memory-mapped" };
        var hdfDataset = new Option<string?>("--hdf-dataset", "-hds") { Description = "Dataset path inside HDF5 input" };
        var hdfCompression = new Option<bool>("--hdf-compression-mode", "-hcm") { Description = "Stream HDF5 chunks still compressed (lz4, bslz4 or blosc), with the codec set" };
        var config = new Option<string?>("--config-file", "-cfg") { Description = "YAML description of raw binary input (file_info section)" };
        var fps = new Option<double>("--frame-rate", "-fps") { Description = "Frames per second; <= 0 means as fast as possible", DefaultValueFactory = _ => d.FrameRate };
        var nx = new Option<int>("--n-x-pixels", "-nx") { Description = "Image width of generated frames", DefaultValueFactory = _ => d.Nx };
        var ny = new Option<int>("--n-y-pixels", "-ny") { Description = "Image height of generated frames", DefaultValueFactory = _ => d.Ny };
        var colorMode = new Option<int>("--color-mode", "-cm") { Description = "0 mono, 2 RGB1, 3 RGB2, 4 RGB3", DefaultValueFactory = _ => d.ColorMode };
        var dataType = new Option<string>("--datatype", "-dt") { Description = "int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64", DefaultValueFactory = _ => d.DataType };
        var minimum = new Option<double?>("--minimum", "-mn") { Description = "Lowest generated value" };
        var maximum = new Option<double?>("--maximum", "-mx") { Description = "Highest generated value (exclusive for integer types)" };
        var nFrames = new Option<int>("--n-frames", "-nf") { Description = "Number of distinct frames (<= 0: cache size for random data)", DefaultValueFactory = _ => d.NFrames };
        var cacheSize = new Option<int>("--cache-size", "-cs") { Description = "Frame cache size (minimum 1)", DefaultValueFactory = _ => d.CacheSize };
        var runtime = new Option<double>("--runtime", "-rt") { Description = "Publishing time in seconds", DefaultValueFactory = _ => d.Runtime };
        var channelName = new Option<string>("--channel-name", "-cn") { Description = "Image channel name", DefaultValueFactory = _ => d.ChannelName };
        var notifyPv = new Option<string?>("--notify-pv", "-npv") { Description = "CA PV to put to at startup, e.g. 13PVA1:cam1:Acquire" };
        var notifyValue = new Option<string>("--notify-pv-value", "-nvl") { Description = "Value written to the notify PV", DefaultValueFactory = _ => d.NotifyPvValue };
        var metadata = new Option<string?>("--metadata-pv", "-mpv") { Description = "Comma-separated metadata PVs: pva://name over PVA, ca://name or name over CA" };
        var startDelay = new Option<double>("--start-delay", "-std") { Description = "Seconds between server start and the first frame", DefaultValueFactory = _ => d.StartDelay };
        var shutdownDelay = new Option<double>("--shutdown-delay", "-shd") { Description = "Seconds between the end of publishing and shutdown", DefaultValueFactory = _ => d.ShutdownDelay };
        var reportPeriod = new Option<int>("--report-period", "-rp") { Description = "Report every N published frames; <= 0 never", DefaultValueFactory = _ => d.ReportPeriod };
        var disableCurses = new Option<bool>("--disable-curses", "-dc") { Description = "Plain report lines instead of the live display" };
        var version = VersionFlag.Create();
        var metricsPort = MetricsEndpoint.CreateOption();
        var command = new Command("ad-sim-server", "Simulated area detector: serves NTNDArray frames at a set rate (pvapy-ad-sim-server)")
        {
            version, inputDirectory, inputFile, mmap, hdfDataset, hdfCompression, config, fps, nx, ny, colorMode, dataType, minimum, maximum,
            nFrames, cacheSize, runtime, channelName, notifyPv, notifyValue, metadata, startDelay, shutdownDelay, reportPeriod, disableCurses, metricsPort,
        };
        var access = new AccessListOptions(command, "the image record and the pva:// metadata records");
        var logging = new LogLevelOption(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (VersionFlag.Handle(parse, version))
            {
                return ExitCodes.Success;
            }

            var options = new AdSimServerOptions
            {
                InputDirectory = parse.GetValue(inputDirectory),
                InputFile = parse.GetValue(inputFile),
                MmapMode = parse.GetValue(mmap),
                HdfDataset = parse.GetValue(hdfDataset),
                HdfCompressionMode = parse.GetValue(hdfCompression),
                ConfigFile = parse.GetValue(config),
                FrameRate = parse.GetValue(fps),
                Nx = parse.GetValue(nx),
                Ny = parse.GetValue(ny),
                ColorMode = parse.GetValue(colorMode),
                DataType = parse.GetValue(dataType) ?? d.DataType,
                Minimum = parse.GetValue(minimum),
                Maximum = parse.GetValue(maximum),
                NFrames = parse.GetValue(nFrames),
                CacheSize = parse.GetValue(cacheSize),
                Runtime = parse.GetValue(runtime),
                ChannelName = parse.GetValue(channelName) ?? d.ChannelName,
                NotifyPv = parse.GetValue(notifyPv),
                NotifyPvValue = parse.GetValue(notifyValue) ?? d.NotifyPvValue,
                MetadataPvs = parse.GetValue(metadata),
                StartDelay = parse.GetValue(startDelay),
                ShutdownDelay = parse.GetValue(shutdownDelay),
                ReportPeriod = parse.GetValue(reportPeriod),
                DisableCurses = parse.GetValue(disableCurses),
                AllowedClients = access.Parse(parse),
            };
            options = options with { FrameFormats = FileFormats.For(options) };
            using var loggerFactory = logging.CreateFactory(parse);
            var serverOptions = EpicsEnvironment.ServerOptions(loggerFactory);
            var caServerOptions = EpicsEnvironment.CaServerOptions();
            var caClientOptions = EpicsEnvironment.CaClientOptions();
            var reporter = new LiveReporter(Console.Out, !options.DisableCurses);
            await using (reporter)
            {
                var printer = new AdSimPrinter(reporter, options);
                try
                {
                    await using var sim = new AdSimServer(options, serverOptions, caServerOptions, caClientOptions, loggerFactory.CreateLogger("ad-sim-server"));
                    sim.Reported += printer.OnReported;
                    using var metrics = MetricsEndpoint.Start(parse.GetValue(metricsPort), () => [StageSamples.AdSim("ad-sim-server", sim.GetStatistics())]);

                    // Interrupted (Ctrl-C, SIGTERM) or not, the run returns its final statistics for a true summary.
                    var stats = await sim.RunAsync(ct);
                    await reporter.DisposeAsync();
                    printer.PrintSummary(stats);
                    return ExitCodes.Success;
                }
                catch (StreamingConfigurationException e)
                {
                    throw new CliException($"Error: {e.Message}", ExitCodes.BadInput);
                }
            }
        });
        return OptionAbbreviations.Enable(command);
    }
}
