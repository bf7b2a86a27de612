using System.Text.Json;

namespace Epics.Pva.Tests.Conformance;

/// <summary>One PVA message (or one segment of one) from a capture's JSON file.</summary>
internal sealed record CapturedMessage(
    int Index,
    bool Udp,
    bool FromServer,
    int Connection,
    string CommandName,
    byte Flags,
    string Segment,
    byte[] Bytes)
{
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(8);

    public override string ToString() => $"#{Index} {(Udp ? "udp" : $"tcp conn {Connection}")} {(FromServer ? "S→C" : "C→S")} {CommandName}";
}

/// <summary>
/// Finds the captures of real EPICS peers (shared/conformance beside the repository) and reads their JSON: each entry's
/// <c>hex</c> is the whole message, header included, and is the only field we trust (the rest are reading aids).
/// </summary>
internal static class CaptureFiles
{
    private static readonly Lazy<string?> RootPath = new(FindRoot);

    /// <summary>The conformance folder, or null when the checkout has no shared folder beside it.</summary>
    public static string? Root => RootPath.Value;

    /// <summary>Every PVA capture (pva-*/ and errors/), relative to <see cref="Root"/> with '/' separators, sorted.</summary>
    public static IReadOnlyList<string> PvaCaptures()
    {
        if (Root is null)
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(Root)
            .Where(d => Path.GetFileName(d) is var n && (n.StartsWith("pva-", StringComparison.Ordinal) || n == "errors"))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.json", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Skips the calling test when the captures are absent.</summary>
    public static string RequireRoot() => Root ?? SkipAbsent();

    public static IReadOnlyList<CapturedMessage> Load(string relativePath)
    {
        var path = Path.Combine(RequireRoot(), relativePath);
        if (!File.Exists(path))
        {
            Assert.Skip($"conformance capture {path} not present");
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var list = new List<CapturedMessage>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            var udp = e.GetProperty("transport").GetString() == "udp";
            var dir = e.GetProperty("dir").GetString()!;
            var conn = e.TryGetProperty("conn", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : -1;
            var flags = Convert.ToByte(e.GetProperty("flags").GetString()!, 16);
            var segment = e.TryGetProperty("segment", out var s) ? s.GetString() ?? "none" : "none";
            list.Add(new CapturedMessage(
                e.GetProperty("index").GetInt32(),
                udp,
                dir.StartsWith("server", StringComparison.Ordinal),
                conn,
                e.GetProperty("command_name").GetString()!,
                flags,
                segment,
                Convert.FromHexString(e.GetProperty("hex").GetString()!)));
        }

        return list;
    }

    /// <summary>The stdout of the real tool for a capture (its first line is the command).</summary>
    public static string[] Stdout(string relativeJsonPath) =>
        File.ReadAllLines(Path.Combine(RequireRoot(), Path.ChangeExtension(relativeJsonPath, ".stdout.txt")));

    private static string SkipAbsent()
    {
        Assert.Skip("shared/conformance not found above " + AppContext.BaseDirectory);
        return string.Empty;
    }

    // The repository is checked out beside 'shared' (…/main and …/shared), so walk up until a directory has shared/conformance.
    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "conformance");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
