namespace Epics.Pva.Data.NT;

/// <summary>
/// What an NTNDArray says about the compression of its <c>value</c> (read with <see cref="NTNDArray.Codec"/>): what a
/// decoder needs to turn the compressed bytes back into the image.
/// </summary>
/// <param name="Name">The codec name: "" for none, or <c>lz4</c>, <c>bslz4</c>, <c>blosc</c>, ...</param>
/// <param name="OriginalType">
/// The element type of the uncompressed image, from <c>codec.parameters</c> (an int holding the pvData type code, as
/// areaDetector sends it), or null when the parameters do not say.
/// </param>
/// <param name="CompressedSize">compressedSize: bytes of <c>value</c> as transmitted.</param>
/// <param name="UncompressedSize">uncompressedSize: bytes of the uncompressed image.</param>
public readonly record struct NTNDArrayCodec(string Name, ScalarType? OriginalType, long CompressedSize, long UncompressedSize)
{
    /// <summary>True when the value holds compressed bytes (the name is not empty).</summary>
    public bool IsCompressed => Name.Length > 0;
}
