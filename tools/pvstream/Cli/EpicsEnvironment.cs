using Epics.Ca.Client;
using Epics.Ca.Server;
using Epics.Pva;
using Microsoft.Extensions.Logging;

namespace Pvstream.Cli;

/// <summary>
/// Client and server options from the EPICS_PVA_* / EPICS_PVAS_* / EPICS_CA_* / EPICS_CAS_* variables (all parsed by
/// <see cref="EpicsVariables"/>), with a one-line error when malformed. The tool is the only place that reads the
/// process environment; the libraries are handed options.
/// </summary>
internal static class EpicsEnvironment
{
    public static PvaClientOptions ClientOptions(ILoggerFactory loggerFactory) =>
        Read(env => PvaClientOptions.FromDictionary(env.Values) with { LoggerFactory = loggerFactory });

    public static PvaServerOptions ServerOptions(ILoggerFactory loggerFactory) =>
        Read(env => PvaServerOptions.FromDictionary(env.Values) with { LoggerFactory = loggerFactory });

    public static CaClientOptions CaClientOptions() => Read(env => Epics.Ca.Client.CaClientOptions.FromDictionary(env.Values));

    public static CaServerOptions CaServerOptions() => Read(env => Epics.Ca.Server.CaServerOptions.FromDictionary(env.Values));

    private static T Read<T>(Func<EpicsVariables, T> create)
    {
        try
        {
            return create(EpicsVariables.FromProcess());
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new CliException($"Error: environment: {e.Message}", ExitCodes.BadInput);
        }
    }
}
