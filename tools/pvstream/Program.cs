using System.CommandLine;
using Pvstream.Cli;
using Pvstream.Commands;

// One line per subcommand; each lives in Commands/<Name>Command.cs with a static Create().
var root = new RootCommand("pvstream: EPICS PV Access from the command line (get, put, info, monitor, call, serve)")
{
    GetCommand.Create(),
    PutCommand.Create(),
    InfoCommand.Create(),
    MonitorCommand.Create(),
    CallCommand.Create(),
    ServeCommand.Create(),
    AdSimServerCommand.Create(),
    MirrorServerCommand.Create(),
    ConsumerCommand.Create(),
    CollectorCommand.Create(),
    DemoCommand.Create().WithOptionCheck<double>("-fps", OptionChecks.PositiveRate),
    CaCommand.Create(),
};

return await CliApp.RunAsync(root, args);
