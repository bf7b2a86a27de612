using Epics.Pva.Data;

namespace Epics.Streaming.Frames;

/// <summary>Builds the frame sources for a set of options (framework.md §11.2).</summary>
internal static class FrameSources
{
    /// <summary>
    /// File sources when <c>-id</c>/<c>-if</c> are given, opened by the first of <see cref="AdSimServerOptions.FrameFormats"/>
    /// that takes each file, else one random source. <paramref name="messages"/> gets a line for each file that could not
    /// be read (those are skipped, as the reference does) and for each remark on how a file is read.
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
        if (o.FrameFormats.Select(f => f.OrderedFiles).FirstOrDefault(l => l is { Count: > 0 }) is { } ordered)
        {
            var baseDir = o.InputDirectory ?? Path.GetDirectoryName(o.InputFile) ?? ".";
            files = [.. ordered.Select(f => Path.IsPathRooted(f) ? f : Path.Combine(baseDir, f))];
        }

        var sources = new List<IFrameSource>();
        foreach (var path in files)
        {
            try
            {
                var format = o.FrameFormats.FirstOrDefault(f => f.CanOpen(path))
                    ?? throw new StreamingConfigurationException(o.FrameFormats.Count == 0
                        ? $"{path}: no file formats are registered"
                        : $"{path}: unsupported image format (supported: {string.Join(", ", o.FrameFormats.Select(f => f.Name))})");
                var source = format.Open(path, pool);
                sources.Add(source);
                if (source.Note is { } note)
                {
                    messages.Add(note);
                }
                else if (o.HdfCompressionMode && source.Codec.Length == 0 && format.Name != Hdf5FormatName)
                {
                    messages.Add($"{path}: --hdf-compression-mode applies to HDF5 input only; its frames are sent uncompressed");
                }
            }
            catch (Exception e) when (e is StreamingConfigurationException or IOException or UnauthorizedAccessException)
            {
                // Readers name the file in their messages; the skip line names it once.
                var reason = e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message;
                messages.Add($"Skipping {path}: {reason}");
            }
        }

        return sources.Count > 0
            ? sources
            : throw new StreamingConfigurationException(messages.Count > 0 ? $"No frames could be read: {messages[0]}" : "No input files found.");
    }

    /// <summary>The <see cref="IFrameFormat.Name"/> of the format <c>-hcm</c> applies to.</summary>
    public const string Hdf5FormatName = "HDF5";
}
