using Epics.Pva.Data;
using Epics.Streaming.Formats.Hdf5;
using Epics.Streaming.Frames;

namespace Epics.Streaming.Formats;

/// <summary>
/// The file formats of the simulator's input (framework.md §11.2), for <see cref="AdSimServerOptions.FrameFormats"/>:
/// HDF5 (<c>-hds</c>, <c>-hcm</c>), NumPy (<c>-mm</c>), raw binary described by a YAML file (<c>-cfg</c>), TIFF, EDF
/// and CBF.
/// </summary>
/// <example>
/// <code>
/// var options = new AdSimServerOptions { InputFile = "scan.h5", HdfDataset = "/entry/data" };
/// options = options with { FrameFormats = FileFormats.For(options) };
/// </code>
/// </example>
public static class FileFormats
{
    /// <summary>The formats, in the order they are tried, configured by the file options of <paramref name="options"/>.</summary>
    public static IReadOnlyList<IFrameFormat> For(AdSimServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var formats = new List<IFrameFormat>
        {
            new Format("HDF5", Hdf5FrameSource.IsHdf5, (path, pool) => new Hdf5FrameSource(
                path, options.HdfDataset ?? throw new StreamingConfigurationException($"{path}: an HDF5 input needs --hdf-dataset"), pool, options.HdfCompressionMode)),
            new Format("NumPy", path => Path.GetExtension(path) is ".npy" or ".npz" or ".NPY", (path, pool) => new NpyFrameSource(path, options.MmapMode, pool)),
        };
        if (options.ConfigFile is { } config)
        {
            formats.Add(new RawFormat(config));
        }

        formats.Add(new Format("TIFF", TiffFrameSource.IsTiff, (path, pool) => new TiffFrameSource(path, pool)));
        formats.Add(new Format("EDF", path => Path.GetExtension(path).Equals(".edf", StringComparison.OrdinalIgnoreCase), (path, pool) => new EdfFrameSource(path, pool)));
        formats.Add(new Format("CBF", path => Path.GetExtension(path).Equals(".cbf", StringComparison.OrdinalIgnoreCase), (path, pool) => new CbfFrameSource(path, pool)));

        // Last: any other file is refused with the list of what is read, so that the skip line helps.
        formats.Add(new Format("other", _ => true, (path, _) => throw new StreamingConfigurationException(
            $"{path}: unsupported image format (supported: TIFF, EDF, CBF; or raw binary with --config-file)")));
        return formats;
    }

    private sealed class Format(string name, Func<string, bool> canOpen, Func<string, FrameBufferPool, IFrameSource> open) : IFrameFormat
    {
        public string Name => name;

        public bool CanOpen(string path) => canOpen(path);

        public IFrameSource Open(string path, FrameBufferPool pool) => open(path, pool);
    }

    // Raw binary takes every file not claimed before it; its description is read when first needed, so that a bad
    // file is reported when the simulator starts, like any other input error.
    private sealed class RawFormat(string configFile) : IFrameFormat
    {
        private readonly Lazy<RawFileInfo> _info = new(() => RawFileInfo.Load(configFile));

        public string Name => "raw binary";

        public IReadOnlyList<string>? OrderedFiles => _info.Value.OrderedFiles;

        public bool CanOpen(string path) => true;

        public IFrameSource Open(string path, FrameBufferPool pool) => new RawFrameSource(path, _info.Value, pool);
    }
}
