using System.CommandLine;
using Epics.Streaming;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream mirror-server</c>: re-serves PVA/CA channels (pvapy-mirror-server, framework.md §1.3 and §10); like the
/// Python tool it takes unique prefixes of its options (<see cref="OptionAbbreviations"/>).
/// </summary>
internal static class MirrorServerCommand
{
    public static Command Create()
    {
        var channelMap = new Option<string?>("--channel-map", "-cm")
        {
            Description = "(mirror,source[,provider[,queueSize[,nSourceMonitors,request]]]),... e.g. \"(pvapy:image,ad:image,pva,1000)\"",
        };
        var runtime = new Option<double>("--runtime", "-rt") { Description = "Seconds to run; <= 0 runs forever" };
        var reportPeriod = new Option<double>("--report-period", "-rp") { Description = "Seconds between per-channel counter reports; <= 0 none" };
        var version = VersionFlag.Create();
        var command = new Command("mirror-server", "Mirror PVA or CA channels on a local PVA server (pvapy-mirror-server)")
        {
            version, channelMap, runtime, reportPeriod,
        };
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            if (VersionFlag.Handle(parse, version))
            {
                return ExitCodes.Success;
            }

            try
            {
                await using var mirror = new MirrorServer(new MirrorServerOptions
                {
                    ChannelMap = parse.GetValue(channelMap),
                    Runtime = parse.GetValue(runtime),
                    ReportPeriod = parse.GetValue(reportPeriod),
                });
                await mirror.RunAsync(ct);
                return ExitCodes.Success;
            }
            catch (StreamingConfigurationException e)
            {
                throw new CliException(e.Message, ExitCodes.Failure);
            }
        });
        return OptionAbbreviations.Enable(command);
    }
}
