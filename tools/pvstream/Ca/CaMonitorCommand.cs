using System.CommandLine;
using Epics.Ca;
using Epics.Ca.Client;
using Pvstream.Cli;

namespace Pvstream.Ca;

/// <summary>
/// <c>pvstream ca monitor</c>: print every update of Channel Access PVs as camonitor does
/// (<c>name timestamp value [status severity]</c>) until Ctrl-C, or until <c>-#</c> updates of each PV have arrived.
/// </summary>
internal static class CaMonitorCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("name") { Description = "PV names", Arity = ArgumentArity.OneOrMore };
        var count = new Option<int?>("--count", "-#") { Description = "Exit after N updates of each PV (the first, current value counts)" };
        count.AtLeast(1);
        var mask = new Option<CaEventMask>("--mask", "-m")
        {
            HelpName = "valp",
            Description = "Events to monitor: v(alue), a(larm), l(og), p(roperty); default va",
            DefaultValueFactory = _ => CaEventMask.Value | CaEventMask.Alarm,
            CustomParser = r => ParseMask(r),
        };
        var command = new Command("monitor", "Print CA PV updates as they arrive (like camonitor)") { names, count, mask };
        var options = new CaOptions(command);
        var format = new CaFormatOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var timeout = options.GetTimeout(parse);
            var text = format.GetText(parse);
            var elements = parse.GetValue(format.Elements);
            var limit = parse.GetValue(count);
            var events = parse.GetValue(mask);
            using var logging = options.CreateLoggerFactory(parse);
            await using var client = CaOptions.CreateClient(timeout, logging);
            var output = new Lock();
            return await PerChannel.RunAsync(
                parse.GetRequiredValue(names),
                async name =>
                {
                    // -w bounds only the wait for the channel; afterwards quiet periods and reconnections are normal.
                    var info = await CaOptions.ConnectAsync(client, name, ct);
                    var type = format.ValueType(parse, info.NativeType).Time();
                    var request = new Request(name, type, Math.Min(elements ?? 0, info.NativeCount), events, limit);
                    await MonitorAsync(client, info, request, ct, line =>
                    {
                        lock (output)
                        {
                            Console.Out.Write(line);
                            Console.Out.Flush();
                        }
                    }, text, elements is not null);
                    return true;
                },
                static (_, _) => { });
        });
        return command;
    }

    private static async Task MonitorAsync(
        CaClient client, CaChannelInfo info, Request request, CancellationToken ct, Action<string> print, CaText text, bool showCount)
    {
        // Declared first so that it outlives the subscription, whose handler may cancel it.
        using var limitReached = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var subscription = client.Subscribe(request.Name, request.Type, request.Count, request.Mask);
        var seen = 0;
        subscription.ConnectionChanged += (_, connected) =>
        {
            // camonitor's line when a channel drops (it counts towards -# as it always has); the values after a
            // reconnect say the rest.
            if (!connected)
            {
                print(CaText.Disconnected(request.Name, info.NativeCount, DateTimeOffset.Now));
                if (Interlocked.Increment(ref seen) == request.Limit)
                {
                    limitReached.Cancel();
                }
            }
        };
        try
        {
            await foreach (var update in subscription.WithCancellation(limitReached.Token))
            {
                using (update)
                {
                    print(text.Wide(request.Name, update, showCount));
                }

                if (Interlocked.Increment(ref seen) >= request.Limit)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (limitReached.IsCancellationRequested)
        {
            // Ctrl-C ends a monitor normally, as with camonitor; so does a -# reached by a disconnect line.
        }
    }

    private static CaEventMask ParseMask(System.CommandLine.Parsing.ArgumentResult r)
    {
        var text = r.Tokens.Count == 0 ? string.Empty : r.Tokens[0].Value;
        var result = CaEventMask.None;
        foreach (var c in text)
        {
            switch (char.ToLowerInvariant(c))
            {
                case 'v': result |= CaEventMask.Value; break;
                case 'a': result |= CaEventMask.Alarm; break;
                case 'l': result |= CaEventMask.Log; break;
                case 'p': result |= CaEventMask.Property; break;
                default:
                    r.AddError($"-m: '{text}' is not a mask of v, a, l, p");
                    return CaEventMask.None;
            }
        }

        if (result == CaEventMask.None)
        {
            r.AddError("-m: give at least one of v, a, l, p");
        }

        return result;
    }

    private sealed record Request(string Name, DbrType Type, int Count, CaEventMask Mask, int? Limit);
}
