using System.Diagnostics;

namespace Pvstream.Cli.Tests;

/// <summary>Runs the built pvstream tool as a separate process (<c>dotnet pvstream.dll ...</c>), always with a time limit.</summary>
public static class Tool
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(30);

    /// <summary>pvstream.dll: the project reference copies it next to the test assembly.</summary>
    public static string DllPath
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "pvstream.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("pvstream.dll is not next to the test assembly", path);
        }
    }

    /// <summary>Starts pvstream with <paramref name="args"/> and extra environment variables (stdout/stderr redirected).</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Nothing from the test host's own EPICS settings may leak into the child.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("EPICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
    }

    /// <summary>Runs pvstream to completion; kills it and fails if it takes longer than <paramref name="limit"/>.</summary>
    public static async Task<ToolResult> RunAsync(IReadOnlyDictionary<string, string> environment, TimeSpan? limit, params string[] args)
    {
        using var process = Start(environment, args);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit ?? DefaultLimit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"pvstream {string.Join(' ', args)} did not finish within {(limit ?? DefaultLimit).TotalSeconds} s");
        }

        return new ToolResult(process.ExitCode, await stdout.WaitAsync(TimeSpan.FromSeconds(5)), await stderr.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    public static Task<ToolResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunAsync(environment, null, args);
}
