using System.Diagnostics;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Processors.Files;

/// <summary>
/// Saves each frame as one image file and publishes the frame unchanged (framework.md §12.4). Settings (also with
/// <c>configure</c>): <c>outputDirectory</c> (default <c>.</c>, created when missing) and <c>outputFileNameFormat</c>
/// (default <c>{uniqueId:06}.{processorId}.tiff</c>; Python format fields <c>uniqueId</c>, <c>frameId</c>,
/// <c>objectId</c> and <c>processorId</c>), <c>objectIdOffset</c> (default 0, added to the ids in file names, so that a
/// detector that counts from 1 again after a restart does not overwrite earlier files); the extension picks the format (<see cref="ImageFileWriter"/>). Frames
/// without an image are skipped. Statistics: <c>nFilesSaved</c>, <c>nBytesSaved</c>, <c>fileProcessingTime</c>,
/// <c>fileProcessingRate</c>, <c>dataStorageRateMBps</c>.
/// </summary>
public class AdOutputFileProcessor : AdImageProcessor
{
    /// <summary>The file name format used when none is configured.</summary>
    public const string DefaultFileNameFormat = "{uniqueId:06}.{processorId}.tiff";

    private readonly ProcessingRate _files = new();
    private readonly Lock _lock = new();
    private string _directory = ".";
    private string _format = DefaultFileNameFormat;
    private long _bytes;
    private long _idOffset;

    /// <summary>A file writer with <paramref name="configuration"/>.</summary>
    public AdOutputFileProcessor(JsonObject? configuration = null)
        : base(configuration) => Apply(Configuration);

    /// <summary>Where files go.</summary>
    public string OutputDirectory => _directory;

    /// <summary>The file name pattern.</summary>
    public string OutputFileNameFormat => _format;

    /// <summary>Added to the frame's uniqueId for the file name's id fields.</summary>
    public long ObjectIdOffset => _idOffset;

    /// <inheritdoc />
    public override void Configure(JsonNode? configuration) => Apply(configuration);

    /// <inheritdoc />
    public override PvValue? Process(PvValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var start = Stopwatch.GetTimestamp();
        using (var image = FrameImage.From(value))
        {
            if (image is null)
            {
                return null;
            }

            string path;
            lock (_lock)
            {
                path = Path.Combine(_directory, FileName(_format, new NTNDArray(value).UniqueId + _idOffset, ProcessorId));
            }

            var size = ImageFileWriter.Write(path, image);
            lock (_lock)
            {
                _bytes += size;
                _files.Add(start);
            }
        }

        UpdateOutputChannel(value);
        return value;
    }

    /// <summary>The file name <paramref name="format"/> gives for a frame.</summary>
    public static string FileName(string format, long uniqueId, int processorId) => PythonFormat.Format(format, new Dictionary<string, object>
    {
        ["uniqueId"] = uniqueId,
        ["frameId"] = uniqueId,
        ["objectId"] = uniqueId,
        ["processorId"] = processorId,
    });

    /// <inheritdoc />
    public override void ResetStats()
    {
        lock (_lock)
        {
            _files.Reset();
            _bytes = 0;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object> GetStats()
    {
        lock (_lock)
        {
            return new Dictionary<string, object>
            {
                ["nFilesSaved"] = _files.Count,
                ["nBytesSaved"] = new UnitValue(_bytes, "B"),
                ["fileProcessingTime"] = new UnitValue(_files.Seconds, "s"),
                ["fileProcessingRate"] = new UnitValue(_files.Rate, "fps"),
                ["dataStorageRateMBps"] = new UnitValue(_files.Seconds > 0 ? _bytes / _files.Seconds / 1e6 : 0, "MBps"),
            };
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
    {
        ["nFilesSaved"] = ScalarType.UInt,
        ["nBytesSaved"] = ScalarType.ULong,
        ["fileProcessingTime"] = ScalarType.Double,
        ["fileProcessingRate"] = ScalarType.Double,
        ["dataStorageRateMBps"] = ScalarType.Double,
    };

    private void Apply(JsonNode? configuration)
    {
        var directory = ProcessorSettings.GetString(configuration, "outputDirectory");
        var format = ProcessorSettings.GetString(configuration, "outputFileNameFormat");
        var offset = ProcessorSettings.GetInt(configuration, "objectIdOffset");
        if (format is not null)
        {
            // Fails now, on a bad pattern, rather than on every frame.
            try
            {
                FileName(format, 0, ProcessorId);
            }
            catch (FormatException e)
            {
                throw new StreamingConfigurationException($"outputFileNameFormat: {e.Message}", e);
            }
        }

        lock (_lock)
        {
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
                _directory = directory;
            }
            else if (_directory == ".")
            {
                Directory.CreateDirectory(_directory);
            }

            _format = format ?? _format;
            _idOffset = offset ?? _idOffset;
        }
    }
}
