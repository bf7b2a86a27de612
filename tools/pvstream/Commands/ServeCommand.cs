using System.CommandLine;
using Epics.Pva.Server;
using Epics.Streaming;
using Pvstream.Cli;
using Pvstream.Serve;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream serve</c>: host PVs for tests and demos, from <c>NAME=TYPE[:INIT][@RATE]</c> arguments, a file, or
/// <c>--demo</c>, until Ctrl-C. The server takes its ports and interfaces from the EPICS_PVAS_* / EPICS_PVA_* variables.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var specs = new Argument<string[]>("pv")
        {
            Description = "NAME=TYPE[:INIT][@RATE], TYPE: a scalar type (double, int, string, ...), TYPE[], enum, counter, sine, image, add",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var file = new Option<FileInfo[]>("--file", "-f") { Description = "Read PVs from a file (JSON or one spec per line)" };
        var demo = new Option<bool>("--demo") { Description = "Serve one PV of every kind (every scalar type and array, enum, counter, sine, image, add), named demo:* unless --prefix is given" };
        var prefix = new Option<string>("--prefix", "-p") { Description = "Prepend this to every PV name", DefaultValueFactory = _ => string.Empty };
        var list = new Option<bool>("--list", "-l") { Description = "Print the PVs served, one per line, after starting" };
        var command = new Command("serve", "Serve PVs from the command line or a file (a small soft IOC for tests and demos)")
        {
            specs, file, demo, prefix, list,
        };
        var access = new AccessListOptions(command, "the writable PVs");
        var logging = new LoggingOptions(command);
        CliRunner.SetAction(command, async (parse, ct) =>
        {
            var all = new List<PvSpec>();
            if (parse.GetValue(demo))
            {
                // The README and docs name them demo:double, demo:image, ...; an explicit --prefix replaces "demo:".
                var demoPrefix = parse.GetResult(prefix) is { Implicit: false } ? string.Empty : DemoSet.DefaultPrefix;
                all.AddRange(DemoSet.Specs().Select(s => s with { Name = demoPrefix + s.Name }));
            }

            foreach (var f in parse.GetValue(file) ?? [])
            {
                all.AddRange(ServeFile.Load(f.FullName));
            }

            all.AddRange((parse.GetValue(specs) ?? []).Select(PvSpec.Parse));
            if (all.Count == 0)
            {
                throw new CliException("Error: nothing to serve: give NAME=TYPE[:INIT][@RATE] arguments, --file or --demo", ExitCodes.BadInput);
            }

            var namePrefix = parse.GetValue(prefix) ?? string.Empty;
            var pvs = all.Select(s => PvFactory.Create(s with { Name = namePrefix + s.Name })).ToList();
            var duplicate = pvs.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new CliException($"Error: PV '{duplicate.Key}' is given twice", ExitCodes.BadInput);
            }

            using var loggerFactory = logging.CreateFactory(parse);
            await using var server = new PvaServer(EpicsEnvironment.ServerOptions(loggerFactory));
            var guard = new PutAccessGuard(access.Parse(parse), loggerFactory.CreateLogger("serve"));
            foreach (var pv in pvs)
            {
                guard.Protect(pv.Name, pv.Pv);
                server.AddPv(pv.Name, pv.Pv);
            }

            await server.StartAsync(ct);
            Console.Out.WriteLine($"Serving {pvs.Count} PVs on TCP port {server.TcpPort}, UDP port {server.UdpPort}");
            if (parse.GetValue(list))
            {
                var width = pvs.Max(p => p.Name.Length);
                foreach (var pv in pvs)
                {
                    Console.Out.WriteLine($"{pv.Name.PadRight(width)}  {pv.Description}");
                }
            }

            await Console.Out.FlushAsync(ct);
            var tickers = pvs.Select(p => p.RunAsync(ct)).ToArray();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: stop serving normally.
            }

            await Task.WhenAll(tickers);
            return ExitCodes.Success;
        });
        return command;
    }
}
