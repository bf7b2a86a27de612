using System.Globalization;
using System.Net;
using Epics.Ca.Client;
using Epics.Ca.Server;
using Epics.Pva;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>
/// Client and server options from the EPICS_PVA_* / EPICS_PVAS_* / EPICS_CA_* / EPICS_CAS_* variables, with a one-line
/// error when malformed. The tool is the only place that reads the environment; the libraries get options.
/// </summary>
internal static class EpicsEnvironment
{
    public static PvaClientOptions ClientOptions(ILoggerFactory loggerFactory)
    {
        try
        {
            return PvaClientOptions.FromEnvironment() with { LoggerFactory = loggerFactory };
        }
        catch (ArgumentException e)
        {
            throw new CliException($"Error: environment: {e.Message}", ExitCodes.BadInput);
        }
    }

    public static PvaServerOptions ServerOptions(ILoggerFactory loggerFactory)
    {
        try
        {
            return PvaServerOptions.FromEnvironment() with { LoggerFactory = loggerFactory };
        }
        catch (ArgumentException e)
        {
            throw new CliException($"Error: environment: {e.Message}", ExitCodes.BadInput);
        }
    }

    public static CaClientOptions CaClientOptions()
    {
        try
        {
            return Epics.Ca.Client.CaClientOptions.FromEnvironment();
        }
        catch (FormatException e)
        {
            throw new CliException($"Error: environment: {e.Message}", ExitCodes.BadInput);
        }
    }

    public static CaServerOptions CaServerOptions()
    {
        var o = Epics.Ca.Server.CaServerOptions.Default;
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
}
