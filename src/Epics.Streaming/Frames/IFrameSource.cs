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
}
