using System.Text.Json;

namespace Epics.Ca.Tests;

/// <summary>One captured CA message from shared/conformance/ca-softIoc (beside the checkout) (the "hex" field is the truth).</summary>
internal sealed record CapturedMessage(string Direction, string Transport, int Command, byte[] Bytes);

internal static class Conformance
{
    private static readonly Lazy<string?> Root = new(Locate);

    /// <summary>The ca-softIoc folder, found by walking up from the test binaries; skips the test when absent.</summary>
    public static string CaFolder => Root.Value ?? throw SkipException();

    public static IReadOnlyList<CapturedMessage> Load(string relative)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(CaFolder, relative)));
        return [.. doc.RootElement.EnumerateArray().Select(m => new CapturedMessage(
            m.GetProperty("dir").GetString()!,
            m.GetProperty("transport").GetString()!,
            m.GetProperty("command").GetInt32(),
            Convert.FromHexString(m.GetProperty("hex").GetString()!)))];
    }

    /// <summary>The n-th (0-based) message with this command and direction ("c" client→server, "s" server→client).</summary>
    public static byte[] Find(string relative, int command, string direction, int nth = 0) =>
        Load(relative).Where(m => m.Command == command && m.Direction.StartsWith(direction, StringComparison.Ordinal))
            .ElementAt(nth).Bytes;

    private static Exception SkipException()
    {
        Assert.Skip("shared/conformance not found above the test binaries");
        return new InvalidOperationException();
    }

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "conformance");
            if (Directory.Exists(candidate))
            {
                var ca = Path.Combine(candidate, "ca-softIoc");
                return Directory.Exists(ca) ? ca : null;
            }
        }

        return null;
    }
}
