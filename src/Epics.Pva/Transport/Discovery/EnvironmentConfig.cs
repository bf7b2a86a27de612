namespace Epics.Pva.Transport.Discovery;

/// <summary>
/// <see cref="EpicsVariables"/> for the PVA options, whose <c>FromDictionary</c> methods promise an
/// <see cref="ArgumentException"/> for a malformed variable.
/// </summary>
internal static class EnvironmentConfig
{
    /// <summary>The process environment's EPICS_* variables.</summary>
    public static IReadOnlyDictionary<string, string> FromProcess() => EpicsVariables.FromProcess().Values;

    public static IReadOnlyList<string>? GetList(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names) =>
        new EpicsVariables(env).GetList(names);

    public static bool? GetBool(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        try
        {
            return new EpicsVariables(env).GetBool(names);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    public static int? GetPort(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        try
        {
            return new EpicsVariables(env).GetPort(names);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }

    public static TimeSpan? GetSeconds(IReadOnlyDictionary<string, string> env, params ReadOnlySpan<string> names)
    {
        try
        {
            return new EpicsVariables(env).GetSeconds(names);
        }
        catch (FormatException e)
        {
            throw new ArgumentException(e.Message, e);
        }
    }
}
