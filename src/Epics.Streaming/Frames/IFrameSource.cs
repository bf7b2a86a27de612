using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>
/// Something that yields frames by index: random data, or a file opened by an <see cref="IFrameFormat"/>. Frames are
/// uncompressed and in host byte order unless <see cref="Codec"/> says the source passes stored compressed data on.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Where the frames come from (for messages).</summary>
    string Name { get; }

    /// <summary>The geometry and element type of every frame.</summary>
    FrameShape Shape { get; }

    /// <summary>Frames the source holds.</summary>
    int FrameCount { get; }

    /// <summary>A remark for the operator on how the frames are read, or null.</summary>
    string? Note => null;

    /// <summary>Frame <paramref name="index"/> as a new array the caller owns, in host byte order.</summary>
    PvArray ReadFrame(int index);

    /// <summary>The codec of the frames <see cref="ReadPublishable"/> returns: "" unless a source passes compressed data through.</summary>
    string Codec => string.Empty;

    /// <summary>Frame <paramref name="index"/> as it is published: decoded, or still compressed with <see cref="Codec"/>.</summary>
    SimFrame ReadPublishable(int index)
    {
        var frame = ReadFrame(index);
        return new SimFrame(frame, Shape, string.Empty, frame.ByteLength);
    }
}
