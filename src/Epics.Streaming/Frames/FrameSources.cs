using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>Builds the frame sources for a set of options (framework.md §11.2).</summary>
internal static class FrameSources
{
    /// <summary>
    /// File sources when <c>-id</c>/<c>-if</c> are given, else one random source. <paramref name="messages"/> gets a line
    /// for each file that could not be read (those are skipped, as the reference does) and for each remark on how a
    /// file is read.
    /// </summary>
    public static List<IFrameSource> Create(AdSimServerOptions o, FrameBufferPool pool, List<string> messages)
    {
        var files = new List<string>();
        if (o.InputDirectory is { } dir)
        {
            files.AddRange(Directory.EnumerateFiles(dir));
        }

        if (o.InputFile is { } file)
        {
            files.Add(file);
        }

        if (files.Count == 0)
        {
            var shape = new FrameShape(o.Nx, o.Ny, o.ColorMode, o.ElementType);
            var n = o.NFrames > 0 ? o.NFrames : o.CacheSize;
            return [new RandomFrameSource(shape, n, o.Minimum, o.Maximum, pool)];
        }

        if (o.NFrames > 0 && files.Count > o.NFrames)
        {
            files = files[..o.NFrames];
        }

        files.Sort(StringComparer.Ordinal);
        var raw = o.ConfigFile is { } cfg ? RawFileInfo.Load(cfg) : null;
        if (raw?.OrderedFiles is { Count: > 0 } ordered)
        {
            var baseDir = o.InputDirectory ?? Path.GetDirectoryName(o.InputFile) ?? ".";
            files = [.. ordered.Select(f => Path.IsPathRooted(f) ? f : Path.Combine(baseDir, f))];
        }

        var sources = new List<IFrameSource>();
        foreach (var path in files)
        {
            try
            {
                var source = Open(path, o, raw, pool);
                sources.Add(source);
                if (source is Hdf5FrameSource { Note: { } note })
                {
                    messages.Add(note);
                }
                else if (o.HdfCompressionMode && source is not Hdf5FrameSource)
                {
                    messages.Add($"{path}: --hdf-compression-mode applies to HDF5 input only; its frames are sent uncompressed");
                }
            }
            catch (Exception e) when (e is StreamingConfigurationException or IOException or UnauthorizedAccessException)
            {
                messages.Add($"Skipping {path}: {e.Message}");
            }
        }

        return sources.Count > 0
            ? sources
            : throw new StreamingConfigurationException(messages.Count > 0 ? $"No frames could be read: {messages[0]}" : "No input files found.");
    }

    private static IFrameSource Open(string path, AdSimServerOptions o, RawFileInfo? raw, FrameBufferPool pool)
    {
        var ext = Path.GetExtension(path);
        if (Hdf5FrameSource.IsHdf5(path))
        {
            return new Hdf5FrameSource(path, o.HdfDataset ?? throw new StreamingConfigurationException($"{path}: an HDF5 input needs --hdf-dataset"), pool, o.HdfCompressionMode);
        }

        if (ext is ".npy" or ".npz" or ".NPY")
        {
            return new NpyFrameSource(path, o.MmapMode, pool);
        }

        if (raw is not null)
        {
            return new RawFrameSource(path, raw, pool);
        }

        if (TiffFrameSource.IsTiff(path))
        {
            return new TiffFrameSource(path, pool);
        }

        if (ext.Equals(".edf", StringComparison.OrdinalIgnoreCase))
        {
            return new EdfFrameSource(path, pool);
        }

        if (ext.Equals(".cbf", StringComparison.OrdinalIgnoreCase))
        {
            return new CbfFrameSource(path, pool);
        }

        throw new StreamingConfigurationException($"{path}: unsupported image format (supported: TIFF, EDF, CBF; or raw binary with --config-file)");
    }
}
