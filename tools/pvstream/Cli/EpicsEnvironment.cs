using Epics.Pva;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>Client and server options from the EPICS_PVA_* / EPICS_PVAS_* variables, with a one-line error when malformed.</summary>
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
}
