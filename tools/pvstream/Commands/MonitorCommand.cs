using System.CommandLine;
using Epics.Pva.Client;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream monitor</c>: print every update of PVs like pvmonitor (pvxmonitor with <c>-M delta</c>) until Ctrl-C,
/// or until <c>-#</c> updates of each PV have arrived. Like pvxmonitor it waits for a channel that is not there yet
/// (<c>-w</c> sets a limit) and tells on stderr when the server goes away or comes back and when updates were lost.
/// </summary>
internal static class MonitorCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var count = new Option<int?>("--count", "-#") { Description = "Exit after N updates of each PV (the first, full one counts)" };
        count.AtLeast(1);
        var command = new Command("monitor", "Print PV updates as they arrive (like pvmonitor)") { names, count };
        var options = new ClientCommandOptions(command);
        options.Timeout.DefaultValueFactory = null;
        options.Timeout.Description = "Give up when the first update has not arrived within this many seconds (default: wait)";
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var request = RequestText.Validate(options.GetRequest(parse));
            TimeSpan? timeout = parse.GetResult(options.Timeout) is { Implicit: false } ? options.GetTimeout(parse) : null;
            var text = options.GetText(parse);
            var limit = parse.GetValue(count);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            var output = new MonitorOutput();
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                name => MonitorAsync(client, name, request, timeout, limit, ct, output, update => text.Format(name, update.Value, update.Changed)),
                static (_, _) => { });
        });
        return command;
    }

    // -w bounds only the wait for the first update (channel found, monitor started); afterwards quiet periods are normal.
    private static async Task<bool> MonitorAsync(
        PvaClient client, string name, string? request, TimeSpan? timeout, int? limit, CancellationToken ct,
        MonitorOutput output, Func<PvMonitorUpdate, string> format)
    {
        await using var subscription = client.Subscribe(name, request);
        var losses = new MonitorLosses(name, MonitorLosses.GapsMeanLoss(request));
        var connection = new ConnectionNotices(name, output);
        subscription.ConnectionChanged += (s, connected) => connection.Changed(connected, s.Channel.Server);
        var seen = 0;
        try
        {
            var first = timeout is { } t
                ? await ChannelCalls.WithTimeoutAsync(client, name, t, c => subscription.ReadAsync(c).AsTask(), ct)
                : await subscription.ReadAsync(ct);
            var lastConnects = 1;
            for (var update = first; update is not null; update = await subscription.ReadAsync(ct))
            {
                using (update)
                {
                    var statistics = subscription.Statistics;
                    if (statistics.Connects != lastConnects)
                    {
                        // uniqueIds start again on a restarted server.
                        lastConnects = statistics.Connects;
                        losses.Restart();
                    }

                    output.Value(format(update));
                    if (losses.Observe(update, statistics, DateTime.UtcNow) is { } line)
                    {
                        output.Notice(line);
                    }
                }

                if (++seen == limit)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C ends a monitor normally, as with pvmonitor.
        }
        finally
        {
            if (losses.Take(DateTime.UtcNow) is { } rest)
            {
                output.Notice(rest);
            }
        }

        return true;
    }

    /// <summary>
    /// pvxmonitor's "Connected"/"Disconnected" and camonitor's "*** disconnected" on stderr: one line when a started
    /// monitor loses its server and one when it is back (the first connect is implied by the first update).
    /// </summary>
    private sealed class ConnectionNotices(string name, MonitorOutput output)
    {
        private readonly Lock _lock = new();
        private bool _connected;
        private bool _everConnected;

        public void Changed(bool connected, System.Net.IPEndPoint? server)
        {
            lock (_lock)
            {
                if (connected == _connected)
                {
                    return;
                }

                _connected = connected;
                if (connected && _everConnected)
                {
                    output.Notice($"{name} *** reconnected to {server}\n");
                }
                else if (!connected)
                {
                    output.Notice($"{name} *** disconnected\n");
                }

                _everConnected = true;
            }
        }
    }

    /// <summary>Values on stdout, notices on stderr, one whole block at a time and in the order they happened.</summary>
    private sealed class MonitorOutput
    {
        private readonly Lock _lock = new();

        public void Value(string block)
        {
            lock (_lock)
            {
                Console.Out.Write(block);
            }
        }

        public void Notice(string line)
        {
            lock (_lock)
            {
                Console.Out.Flush();
                Console.Error.Write(line);
                Console.Error.Flush();
            }
        }
    }
}
