using Epics.Pva.Protocol;

namespace Epics.Pva.Tests.Conformance;

/// <summary>
/// Every PVA capture of real EPICS peers decodes message by message, exactly, and survives re-encoding with our writers
/// in both byte orders (see <see cref="CaptureReplay"/>).
/// </summary>
public class CaptureReplayTests
{
    public static IEnumerable<TheoryDataRow<string>> Captures()
    {
        var files = CaptureFiles.PvaCaptures();
        if (files.Count == 0)
        {
            // Keeps the theory from failing for lack of data; the test itself skips.
            return [new TheoryDataRow<string>(string.Empty) { TestDisplayName = "conformance captures absent" }];
        }

        return files.Select(f => new TheoryDataRow<string>(f) { TestDisplayName = f });
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Capture_decodes_exactly_and_round_trips(string capture)
    {
        if (capture.Length == 0)
        {
            Assert.Skip("shared/conformance not found");
        }

        var replay = CaptureReplay.Run(capture);

        Assert.NotEmpty(replay.Messages);
        var appMessages = replay.Messages.Count(m => !m.IsControl);
        Assert.Equal(appMessages, replay.ByteIdentical + replay.Messages.Count(m => m.UsesTypeCache));
    }

    [Fact]
    public void All_captures_are_found()
    {
        CaptureFiles.RequireRoot();
        var files = CaptureFiles.PvaCaptures();
        Assert.Contains("pva-softIocPVA/ai/pvput.json", files);
        Assert.Contains("errors/no-server/pvget-nonexistent.json", files);
        Assert.DoesNotContain(files, f => f.StartsWith("ca-", StringComparison.Ordinal));
        Assert.True(files.Count >= 100, $"only {files.Count} captures");
    }

    [Fact]
    public void Peers_that_never_use_the_type_cache_are_reproduced_byte_for_byte()
    {
        CaptureFiles.RequireRoot();

        // softIocPVX is PVXS on both ends for pvx* tools: no cache codes at all, so every message must be ours exactly.
        foreach (var capture in new[] { "pva-softIocPVX/ai/pvxget.json", "pva-softIocPVX/ai/pvxmonitor.json", "pva-softIocPVX/wf/pvxput.json" })
        {
            var replay = CaptureReplay.Run(capture);
            Assert.DoesNotContain(replay.Messages, m => m.UsesTypeCache);
        }
    }

    [Fact]
    public void Segmented_image_is_reassembled()
    {
        CaptureFiles.RequireRoot();
        var replay = CaptureReplay.Run("pva-adsim/uint8-512x512/pvget.json");

        var data = Assert.Single(replay.Messages, m => m.Segments.Count > 1);
        Assert.Equal(3, data.Segments.Count);
        Assert.Equal(PvaCommand.Get, data.Command);
        var image = data["data"].Value!;
        var value = image["value"];
        Assert.Equal("ubyteValue", value.SelectedName);
        Assert.Equal(512 * 512, value.Content!.Root.GetArray().Count);
    }

    [Fact]
    public void A_trailing_byte_fails_the_replay()
    {
        var messages = CaptureFiles.Load("pva-softIocPVA/ai/pvput.json").ToList();
        var i = messages.FindIndex(m => m.Index == 13); // GET data reply
        var longer = messages[i].Bytes.Append((byte)0).ToArray();
        BitConverter.TryWriteBytes(longer.AsSpan(4, 4), longer.Length - PvaHeader.Size);
        messages[i] = messages[i] with { Bytes = longer };

        var e = Assert.ThrowsAny<Exception>(() => CaptureReplay.Run("trailing byte", messages));
        Assert.Contains("1 bytes left", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cache_reference_without_its_definition_fails_the_replay()
    {
        // Without the GET INIT reply that defined id 1, the PUT INIT reply "FE 01 00" refers to nothing.
        var messages = CaptureFiles.Load("pva-softIocPVA/ai/pvput.json").Where(m => m.Index is not (11 or 12 or 13)).ToList();

        var e = Assert.ThrowsAny<Exception>(() => CaptureReplay.Run("missing definition", messages));
        Assert.Contains("unknown id 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_last_segment_fails_the_replay()
    {
        var messages = CaptureFiles.Load("pva-adsim/uint8-512x512/pvget.json").Where(m => m.Segment != "last").ToList();

        var e = Assert.ThrowsAny<Exception>(() => CaptureReplay.Run("missing segment", messages));
        Assert.Contains("segment", e.Message, StringComparison.Ordinal);
    }
}
