using System.Diagnostics;

namespace Pvstream.Cli;

/// <summary>How to start this tool again as a child process: its apphost, or <c>dotnet pvstream.dll</c>.</summary>
internal static class SelfCommand
{
    private const string Setsid = "/usr/bin/setsid";

    /// <summary>
    /// A start info for <c>pvstream &lt;arguments&gt;</c>, with stdin, stdout and stderr redirected. With
    /// <paramref name="ownSession"/> the child runs in a session of its own (through setsid(1) where it exists), so a
    /// Ctrl-C in the terminal reaches only this process, which then stops its children in its own order.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool ownSession = false)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var detached = ownSession && File.Exists(Setsid);
        var info = new ProcessStartInfo(detached ? Setsid : host)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (detached)
        {
            info.ArgumentList.Add(host);
        }

        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]); // pvstream.dll
        }

        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }
}
