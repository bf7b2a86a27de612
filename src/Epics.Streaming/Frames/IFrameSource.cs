using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>Something that yields uncompressed frames by index (random data, a file).</summary>
internal interface IFrameSource : IDisposable
{
    /// <summary>Where the frames come from (for messages).</summary>
    string Name { get; }

    FrameShape Shape { get; }

    int FrameCount { get; }

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
