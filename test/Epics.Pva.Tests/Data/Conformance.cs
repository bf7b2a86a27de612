namespace Epics.Pva.Tests.Data;

// Reads the text the real EPICS tools printed (shared/conformance beside the checkout); tests skip when the captures are absent.
internal static class Conformance
{
    private static string Root => Environment.GetEnvironmentVariable("PVSTREAM_CONFORMANCE") ?? Epics.Pva.Tests.Conformance.CaptureFiles.RequireRoot();

    public static string[] Lines(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (!File.Exists(path))
        {
            Assert.Skip($"conformance capture {path} not present");
        }

        return File.ReadAllText(path).Split('\n');
    }

    /// <summary>The tool output of a *.stdout.txt capture: without the "$ command" line and the exit status line.</summary>
    public static string[] Output(string relativePath)
    {
        var lines = Lines(relativePath);
        var end = Array.FindLastIndex(lines, l => l.StartsWith("[exit status", StringComparison.Ordinal));
        return lines[1..end];
    }

    public static string Join(IEnumerable<string> lines) => string.Join("\n", lines) + "\n";

    public static byte[] Bytes(string list) =>
        [.. list.Trim('[', ']', '{', '}', ' ').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => byte.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture))];
}
