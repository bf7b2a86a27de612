using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>
/// A file format the simulator can read frames from. The core library knows none: the host registers them in
/// <see cref="AdSimServerOptions.FrameFormats"/> (the pvstream tool registers those of Epics.Streaming.Formats), so
/// that the core does not depend on file-format libraries. For each input file the first format whose
/// <see cref="CanOpen"/> is true opens it.
/// </summary>
public interface IFrameFormat
{
    /// <summary>The format's name for messages (<c>HDF5</c>, <c>TIFF</c>, ...).</summary>
    string Name { get; }

    /// <summary>
    /// The files this format wants read instead of the listed input files, in order, or null (raw input described by a
    /// configuration file with an explicit file list). Relative names are taken from the input directory.
    /// </summary>
    IReadOnlyList<string>? OrderedFiles => null;

    /// <summary>Whether this format reads <paramref name="path"/> (by its name or its first bytes).</summary>
    bool CanOpen(string path);

    /// <summary>Opens <paramref name="path"/>; frame arrays come from <paramref name="pool"/>.</summary>
    /// <exception cref="StreamingConfigurationException">The file cannot be read as this format.</exception>
    IFrameSource Open(string path, FrameBufferPool pool);
}
