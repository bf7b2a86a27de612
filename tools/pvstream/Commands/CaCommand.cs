using System.CommandLine;
using Pvstream.Ca;

namespace Pvstream.Commands;

/// <summary>
/// <c>pvstream ca get|put|monitor</c>: quick Channel Access checks that print what caget, caput and camonitor print.
/// The client is configured from EPICS_CA_ADDR_LIST, EPICS_CA_AUTO_ADDR_LIST, EPICS_CA_SERVER_PORT, ...
/// </summary>
internal static class CaCommand
{
    public static Command Create() => new("ca", "Channel Access: get, put and monitor PVs (like caget, caput, camonitor)")
    {
        CaGetCommand.Create(),
        CaPutCommand.Create(),
        CaMonitorCommand.Create(),
    };
}
