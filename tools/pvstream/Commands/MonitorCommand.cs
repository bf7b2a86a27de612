using System.CommandLine;
using Epics.Pva.Client;
using Pvstream.Cli;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream monitor</c>: print every update of PVs like pvmonitor (pvxmonitor with <c>-M delta</c>) until Ctrl-C,
/// or until <c>-#</c> updates of each PV have arrived.
/// </summary>
internal static class MonitorCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var count = new Option<int?>("--count", "-#") { Description = "Exit after N updates of each PV (the first, full one counts)" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("-# must be at least 1");
            }
        });
        var command = new Command("monitor", "Print PV updates as they arrive (like pvmonitor)") { names, count };
        var options = new ClientCommandOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var request = RequestText.Validate(options.GetRequest(parse));
            var timeout = options.GetTimeout(parse);
            var text = options.GetText(parse);
            var limit = parse.GetValue(count);
            using var logging = options.Logging.CreateFactory(parse);
            await using var client = ClientCommandOptions.CreateClient(logging);
            var output = new Lock();
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                name => MonitorAsync(client, name, request, timeout, limit, ct, (n, update) =>
                {
                    var block = text.Format(n, update.Value, update.Changed);
                    lock (output)
                    {
                        Console.Out.Write(block);
                    }
                }),
                static (_, _) => { });
        });
        return command;
    }

    // -w bounds only the wait for the first update (channel found, monitor started); afterwards quiet periods are normal.
    private static async Task<bool> MonitorAsync(
        PvaClient client, string name, string? request, TimeSpan timeout, int? limit, CancellationToken ct,
        Action<string, PvMonitorUpdate> print)
    {
        await using var subscription = client.Subscribe(name, request);
        var seen = 0;
        try
        {
            var first = await ChannelCalls.WithTimeoutAsync(client, name, timeout, c => subscription.ReadAsync(c).AsTask(), ct);
            for (var update = first; update is not null; update = await subscription.ReadAsync(ct))
            {
                using (update)
                {
                    print(name, update);
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

        return true;
    }
}
