using System.Globalization;
using Epics.Pva.Data;
using Epics.Pva.Server;
using Epics.Streaming.Frames;

namespace Epics.Streaming;

/// <summary>
/// Options of the simulated area detector (framework.md §1.4 and §11), one property per command-line option with the
/// same defaults as <c>pvapy-ad-sim-server</c>. Call <see cref="Validate"/> to turn bad values into one clear error.
/// </summary>
public sealed record AdSimServerOptions
{
    /// <summary>The data types accepted by <c>-dt</c>.</summary>
    public static IReadOnlyList<string> DataTypes { get; } =
        ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"];

    /// <summary>-id: stream every regular file in this directory.</summary>
    public string? InputDirectory { get; init; }

    /// <summary>-if: stream this file (added to the directory's files).</summary>
    public string? InputFile { get; init; }

    /// <summary>-mm: open NumPy files memory-mapped (frames are read on demand).</summary>
    public bool MmapMode { get; init; }

    /// <summary>-hds: dataset path inside HDF5 input.</summary>
    public string? HdfDataset { get; init; }

    /// <summary>-hcm: publish HDF5 chunks as stored (lz4, bslz4 or blosc) with the codec set, instead of decoding them.</summary>
    public bool HdfCompressionMode { get; init; }

    /// <summary>-cfg: YAML description of raw binary input (section <c>file_info</c>).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>-fps: frames per second; ≤ 0 publishes as fast as the slowest subscriber takes frames (none squashed).</summary>
    public double FrameRate { get; init; } = 20;

    /// <summary>-nx: width of generated frames.</summary>
    public int Nx { get; init; } = 256;

    /// <summary>-ny: height of generated frames.</summary>
    public int Ny { get; init; } = 256;

    /// <summary>-cm: 0 mono, 2 RGB1 [3,nx,ny], 3 RGB2 [nx,3,ny], 4 RGB3 [nx,ny,3].</summary>
    public int ColorMode { get; init; }

    /// <summary>-dt: element type of generated frames (see <see cref="DataTypes"/>).</summary>
    public string DataType { get; init; } = "uint8";

    /// <summary>-mn: lowest generated value (clamped to the type's range).</summary>
    public double? Minimum { get; init; }

    /// <summary>-mx: highest generated value (exclusive for integer types).</summary>
    public double? Maximum { get; init; }

    /// <summary>-nf: number of distinct frames (≤ 0: the cache size for random data; all frames for files).</summary>
    public int NFrames { get; init; }

    /// <summary>-cs: frame cache size (minimum 1).</summary>
    public int CacheSize { get; init; } = 1000;

    /// <summary>-rt: publishing time in seconds from the first frame (≤ 0: forever).</summary>
    public double Runtime { get; init; } = 300;

    /// <summary>-cn: image channel name.</summary>
    public string ChannelName { get; init; } = "pvapy:image";

    /// <summary>-npv: CA PV to put <see cref="NotifyPvValue"/> to at startup.</summary>
    public string? NotifyPv { get; init; }

    /// <summary>-nvl: value written to the notify PV.</summary>
    public string NotifyPvValue { get; init; } = "1";

    /// <summary>-mpv: comma-separated metadata PVs (<c>pva://x</c> over PVA; <c>ca://x</c> or bare <c>x</c> over CA).</summary>
    public string? MetadataPvs { get; init; }

    /// <summary>-std: seconds between server start and the first frame.</summary>
    public double StartDelay { get; init; } = 10.0;

    /// <summary>-shd: seconds between the end of publishing and server shutdown.</summary>
    public double ShutdownDelay { get; init; } = 10.0;

    /// <summary>-rp: print a report every N frames (≤ 0: never).</summary>
    public int ReportPeriod { get; init; } = 1;

    /// <summary>-dc: no live terminal display (plain lines instead).</summary>
    public bool DisableCurses { get; init; }

    /// <summary>
    /// Upper bound on the memory used by distinct random frames (default 4 GiB): beyond it fewer distinct frames are
    /// generated and reused, so a 4096x4096 cache of 1000 cannot exhaust memory.
    /// </summary>
    public long MaxRandomCacheBytes { get; init; } = 4L << 30;

    /// <summary>
    /// The file formats input files may have, tried in order (the first whose <see cref="IFrameFormat.CanOpen"/> is true
    /// reads a file). Empty by default: the host registers them (pvstream registers those of Epics.Streaming.Formats).
    /// </summary>
    public IReadOnlyList<IFrameFormat> FrameFormats { get; init; } = [];

    /// <summary>
    /// Who may put into the served PVA records (the image record and the <c>pva://</c> metadata records); default anyone.
    /// CA metadata records are not covered.
    /// </summary>
    public ClientAccessList AllowedClients { get; init; } = ClientAccessList.Anyone;

    /// <summary>The element type <see cref="DataType"/> names.</summary>
    public ScalarType ElementType => ParseDataType(DataType);

    /// <summary>Throws <see cref="StreamingConfigurationException"/> for the first bad value.</summary>
    public void Validate()
    {
        _ = ParseDataType(DataType);
        if (ColorMode is not (0 or 2 or 3 or 4))
        {
            throw new StreamingConfigurationException($"Invalid color mode {ColorMode}: use 0 (mono), 2 (RGB1), 3 (RGB2) or 4 (RGB3).");
        }

        if (Nx <= 0 || Ny <= 0)
        {
            throw new StreamingConfigurationException($"Invalid frame size {Nx}x{Ny}: both dimensions must be positive.");
        }

        if (CacheSize < 1)
        {
            throw new StreamingConfigurationException($"Invalid cache size {CacheSize}: must be at least 1.");
        }

        if (double.IsNaN(FrameRate) || double.IsInfinity(FrameRate))
        {
            throw new StreamingConfigurationException("Invalid frame rate.");
        }

        if (StartDelay < 0 || ShutdownDelay < 0 || double.IsNaN(StartDelay) || double.IsNaN(ShutdownDelay))
        {
            throw new StreamingConfigurationException("Start and shutdown delays must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(ChannelName))
        {
            throw new StreamingConfigurationException("The channel name must not be empty.");
        }

        if (Minimum is { } mn && Maximum is { } mx && mn > mx)
        {
            throw new StreamingConfigurationException(
                string.Create(CultureInfo.InvariantCulture, $"Invalid value range: minimum {mn} is above maximum {mx}."));
        }

        if (InputDirectory is { } dir && !Directory.Exists(dir))
        {
            throw new StreamingConfigurationException($"Input directory {dir} does not exist.");
        }

        if (InputFile is { } file && !File.Exists(file))
        {
            throw new StreamingConfigurationException($"Input file {file} does not exist.");
        }

        if (ConfigFile is { } cfg && !File.Exists(cfg))
        {
            throw new StreamingConfigurationException($"Config file {cfg} does not exist.");
        }
    }

    /// <summary>The element type for a <c>-dt</c> name.</summary>
    public static ScalarType ParseDataType(string name) => name switch
    {
        "int8" => ScalarType.Byte,
        "uint8" => ScalarType.UByte,
        "int16" => ScalarType.Short,
        "uint16" => ScalarType.UShort,
        "int32" => ScalarType.Int,
        "uint32" => ScalarType.UInt,
        "int64" => ScalarType.Long,
        "uint64" => ScalarType.ULong,
        "float32" => ScalarType.Float,
        "float64" => ScalarType.Double,
        _ => throw new StreamingConfigurationException($"Invalid data type {name}: use one of {string.Join(", ", DataTypes)}."),
    };

    /// <summary>The NumPy-style name of an element type (<c>uint8</c>, ...).</summary>
    public static string DataTypeName(ScalarType type) => type switch
    {
        ScalarType.Byte => "int8",
        ScalarType.UByte => "uint8",
        ScalarType.Short => "int16",
        ScalarType.UShort => "uint16",
        ScalarType.Int => "int32",
        ScalarType.UInt => "uint32",
        ScalarType.Long => "int64",
        ScalarType.ULong => "uint64",
        ScalarType.Float => "float32",
        ScalarType.Double => "float64",
        _ => type.TypeName(),
    };
}
