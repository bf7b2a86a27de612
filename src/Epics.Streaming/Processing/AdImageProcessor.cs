using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Codecs;

namespace Epics.Streaming.Processing;

/// <summary>
/// A processor of areaDetector images (<c>epics:nt/NTNDArray:1.0</c>) with the helpers of framework.md §2.5 over the
/// frame API: typed views over the pooled frame (no copy unless the processor writes to a shared array), compressed
/// frames decoded on request, images built and replaced in place. The input record of <c>pvas</c> input mode is an
/// empty NTNDArray. Used as it is, it publishes each image unchanged (the built-in
/// <c>pvapy.hpc.adImageProcessor.AdImageProcessor</c>).
/// </summary>
public class AdImageProcessor : UserDataProcessor
{
    /// <summary>An image processor with <paramref name="configuration"/>.</summary>
    public AdImageProcessor(JsonObject? configuration = null)
        : base(configuration)
    {
    }

    /// <inheritdoc />
    public override PvValue? GetInputPvObjectType() => NTNDArray.Create().Structure;

    /// <summary>
    /// What the frame holds (the reference's <c>reshape</c> without the copy): id, geometry with the colour mode
    /// (RGB1/2/3 included), element type and union member name. A compressed frame is decompressed in place first.
    /// A frame without dimensions gives an empty shape and a null element type.
    /// </summary>
    public static AdImageInfo Describe(PvValue ntndarray)
    {
        DecompressInPlace(ntndarray);
        var frame = new NTNDArray(ntndarray);
        var shape = frame.ImageShape;
        var type = shape.IsEmpty ? null : frame.ElementType;
        return new AdImageInfo(frame.UniqueId, shape, type, type is { } t ? GetDataFieldKey(t) : null);
    }

    /// <summary>
    /// The pixels as <typeparamref name="T"/> (exactly the element type), decompressing first if needed. The view reads
    /// the frame's own pooled array.
    /// </summary>
    public static ImageView<T> GetImage<T>(PvValue ntndarray)
        where T : unmanaged
    {
        DecompressInPlace(ntndarray);
        return new NTNDArray(ntndarray).GetImage<T>();
    }

    /// <summary>
    /// Writable pixels: in place when the frame holds its array alone, else after a private copy (copy-on-write), so
    /// other holders keep the old pixels. The frame's value is marked changed.
    /// </summary>
    public static ImageView<T> GetWritableImage<T>(PvValue ntndarray)
        where T : unmanaged
    {
        DecompressInPlace(ntndarray);
        return new NTNDArray(ntndarray).GetWritableImage<T>();
    }

    /// <summary>The NTNDArray union member for <paramref name="elementType"/> (<c>ubyteValue</c> for uint8...).</summary>
    public static string GetDataFieldKey(ScalarType elementType) => NTNDArray.MemberName(elementType);

    /// <summary>
    /// A new NTNDArray holding <paramref name="image"/> (its reference is taken over) of <paramref name="shape"/>, with
    /// <paramref name="imageId"/> and both time stamps set to now. With <paramref name="codecName"/> the array is taken
    /// as compressed bytes of <paramref name="originalType"/> elements.
    /// </summary>
    public static PvValue GenerateNtNdArray2D(int imageId, PvArray image, ImageShape shape, string? codecName = null, ScalarType? originalType = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var frame = NTNDArray.Create();
        if (string.IsNullOrEmpty(codecName))
        {
            frame.SetImage(image, shape);
        }
        else
        {
            var type = originalType ?? throw new ArgumentException("a compressed image needs its original element type", nameof(originalType));
            frame.SetDimensions(shape.Dimensions);
            frame.SetCompressedImage(image, codecName, type, (long)shape.Elements * type.ElementSize());
        }

        Stamp(frame, imageId);
        return frame.Structure;
    }

    /// <summary>
    /// Replaces the image of <paramref name="ntndarray"/> in place (the framework's reference's
    /// <c>replaceNtNdArrayImage2D</c>): sets the id, the data (taking over <paramref name="image"/>), the dimensions
    /// only when the geometry changed, and both time stamps to now.
    /// </summary>
    public static void ReplaceNtNdArrayImage2D(PvValue ntndarray, int imageId, PvArray image, ImageShape shape)
    {
        var frame = new NTNDArray(ntndarray);
        frame.SetImage(image, shape);
        Stamp(frame, imageId);
    }

    private static void DecompressInPlace(PvValue ntndarray)
    {
        if (new NTNDArray(ntndarray).CodecName.Length > 0)
        {
            NdArrayCodec.DecompressInPlace(ntndarray);
        }
    }

    private static void Stamp(NTNDArray frame, int imageId)
    {
        var now = PvTimeStamp.Now();
        frame.UniqueId = imageId;
        frame.TimeStamp = now;
        frame.DataTimeStamp = now;
    }
}

/// <summary>What an NTNDArray holds (see <see cref="AdImageProcessor.Describe"/>).</summary>
/// <param name="ImageId">The uniqueId.</param>
/// <param name="Shape">nx, ny and the colour mode (empty for a frame without dimensions).</param>
/// <param name="ElementType">The pixel type, or null for an empty frame.</param>
/// <param name="DataFieldKey">The union member name (<c>ubyteValue</c>...), or null for an empty frame.</param>
public readonly record struct AdImageInfo(int ImageId, ImageShape Shape, ScalarType? ElementType, string? DataFieldKey);
