using System.Diagnostics;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processing;
using Epics.Streaming.Processors.Files;
using Microsoft.Extensions.Logging;

namespace Epics.Streaming.Processors.Hdf5;

/// <summary>
/// Writes frames into HDF5 files of <c>nImagesPerFile</c> frames each (framework.md §12.5) in a NeXus layout that
/// h5py, h5dump, silx and NeXus readers open (see <see cref="Hdf5ImageFile"/>), and publishes each frame unchanged.
/// Each frame's image is written to the file as it arrives, one chunk per frame; frames compressed with bslz4 or lz4
/// (a detector's or <c>-hcm</c>'s) are stored as they came with the matching HDF5 filter (32008, 32004), so the file
/// has the stream's compressed size and h5py with hdf5plugin reads them (the codec of a file is its first frame's;
/// other frames in it are stored plain, as their chunks' filter masks say). The per-frame columns and the metadata
/// are written when the file is closed. A file closed early (stop, or a frame of another geometry) holds exactly the
/// frames written. Settings (also with
/// <c>configure</c>; they apply from the next file): <c>outputDirectory</c> (default <c>.</c>),
/// <c>outputFileNameFormat</c> (default <c>{outputFileId:06}.{processorId}.hdf</c>; fields <c>outputFileId</c>
/// (1-based), <c>uniqueId</c>/<c>frameId</c>/<c>objectId</c> of the file's first frame, <c>processorId</c>),
/// <c>nImagesPerFile</c> (default 1000) and <c>datasetName</c> (default <c>images</c>). Statistics: those of <see cref="AdOutputFileProcessor"/> plus
/// <c>lastFileProcessedTime</c> and <c>lastFrameProcessedTime</c>.
/// </summary>
public class Hdf5AdImageWriter : AdImageProcessor
{
    /// <summary>The file name format used when none is configured.</summary>
    public const string DefaultFileNameFormat = "{outputFileId:06}.{processorId}.hdf";

    private readonly ProcessingRate _frames = new();
    private readonly Lock _lock = new();
    private string _directory = ".";
    private string _format = DefaultFileNameFormat;
    private int _imagesPerFile = 1000;
    private string _datasetName = "images";
    private int _outputFileId;
    private long _filesSaved;
    private long _bytesSaved;
    private double _lastFileTime;
    private double _lastFrameTime;
    private Hdf5ImageFile? _file;

    /// <summary>A writer with <paramref name="configuration"/>.</summary>
    public Hdf5AdImageWriter(JsonObject? configuration = null)
        : base(configuration) => Apply(Configuration);

    /// <inheritdoc />
    public override void Configure(JsonNode? configuration) => Apply(configuration);

    /// <inheritdoc />
    public override PvValue? Process(PvValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var start = Stopwatch.GetTimestamp();
        var frame = new NTNDArray(value);
        var shape = frame.ImageShape;
        if (shape.IsEmpty)
        {
            return null;
        }

        var codec = frame.CodecName;
        var type = codec.Length == 0 ? frame.Image.ElementType
            : frame.CodecOriginalType ?? throw new InvalidDataException($"{codec} frame {frame.UniqueId}: codec.parameters does not name the element type");
        lock (_lock)
        {
            if (_file is { } open && !open.Fits(shape, type))
            {
                Logger.LogInformation("Frame {Id} is {Shape} {Type}: closing {Path} early", frame.UniqueId, shape, type.TypeName(), open.Path);
                CloseFile();
            }

            if (_file is null)
            {
                _outputFileId++;
                var name = PythonFormat.Format(_format, new Dictionary<string, object>
                {
                    ["outputFileId"] = _outputFileId,
                    ["uniqueId"] = frame.UniqueId,
                    ["frameId"] = frame.UniqueId,
                    ["objectId"] = frame.UniqueId,
                    ["processorId"] = ProcessorId,
                });
                _file = new Hdf5ImageFile(Path.Combine(_directory, name), shape, type, codec);
            }

            _file.Add(frame);
            if (_file.Count >= _imagesPerFile)
            {
                CloseFile();
            }

            _frames.Add(start);
            _lastFrameTime = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        UpdateOutputChannel(value);
        return value;
    }

    /// <summary>Writes the open file, if any, with the frames it has.</summary>
    public override void Stop()
    {
        lock (_lock)
        {
            var start = Stopwatch.GetTimestamp();
            CloseFile();
            _frames.AddTime(start);
        }
    }

    /// <inheritdoc />
    public override void ResetStats()
    {
        lock (_lock)
        {
            _frames.Reset();
            _filesSaved = 0;
            _bytesSaved = 0;
            _lastFileTime = 0;
            _lastFrameTime = 0;
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object> GetStats()
    {
        lock (_lock)
        {
            return new Dictionary<string, object>
            {
                ["nFilesSaved"] = _filesSaved,
                ["nBytesSaved"] = new UnitValue(_bytesSaved, "B"),
                ["fileProcessingTime"] = new UnitValue(_frames.Seconds, "s"),
                ["fileProcessingRate"] = new UnitValue(_frames.Seconds > 0 ? _filesSaved / _frames.Seconds : 0, "fps"),
                ["dataStorageRateMBps"] = new UnitValue(_frames.Seconds > 0 ? _bytesSaved / _frames.Seconds / 1e6 : 0, "MBps"),
                ["lastFileProcessedTime"] = new UnitValue(_lastFileTime, "s"),
                ["lastFrameProcessedTime"] = new UnitValue(_lastFrameTime, "s"),
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
        ["lastFileProcessedTime"] = ScalarType.Double,
        ["lastFrameProcessedTime"] = ScalarType.Double,
    };

    private void CloseFile()
    {
        if (_file is not { } file)
        {
            return;
        }

        _file = null;
        var start = Stopwatch.GetTimestamp();
        try
        {
            if (file.Count > 0)
            {
                _bytesSaved += file.Complete(_datasetName);
                _filesSaved++;
                _lastFileTime = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
        finally
        {
            file.Dispose();
            if (file.Count == 0)
            {
                // Its first frame could not be written: no file rather than a header-less one.
                File.Delete(file.Path);
            }
        }
    }

    private void Apply(JsonNode? configuration)
    {
        var directory = ProcessorSettings.GetString(configuration, "outputDirectory");
        var format = ProcessorSettings.GetString(configuration, "outputFileNameFormat");
        var perFile = ProcessorSettings.GetInt(configuration, "nImagesPerFile");
        var dataset = ProcessorSettings.GetString(configuration, "datasetName");
        if (perFile is < 1 or > int.MaxValue)
        {
            throw new StreamingConfigurationException($"nImagesPerFile must be at least 1, not {perFile}");
        }

        if (format is not null)
        {
            try
            {
                PythonFormat.Format(format, new Dictionary<string, object>
                {
                    ["outputFileId"] = 0, ["uniqueId"] = 0, ["frameId"] = 0, ["objectId"] = 0, ["processorId"] = 0,
                });
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

            _format = format ?? _format;
            _imagesPerFile = (int?)perFile ?? _imagesPerFile;
            _datasetName = string.IsNullOrEmpty(dataset) ? _datasetName : dataset;
        }
    }
}
