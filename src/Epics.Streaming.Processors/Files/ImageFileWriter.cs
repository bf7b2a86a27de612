using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BitMiracle.LibTiff.Classic;
using Epics.Pva.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Epics.Streaming.Processors.Files;

/// <summary>
/// Writes one frame as one file, the format chosen by the extension: <c>.tif</c>/<c>.tiff</c> (LibTiff.NET, every pixel
/// type as it is, colour interleaved), <c>.png</c> (ImageSharp: 8- and 16-bit grey or RGB as they are, other types
/// scaled to 16 bits), <c>.jpg</c>/<c>.jpeg</c> (8-bit, wider types scaled), <c>.npy</c> (NumPy, the frame's type,
/// shape (ny, nx) or (ny, nx, 3)), <c>.bin</c>/<c>.raw</c> (the element bytes as the frame holds them, little-endian);
/// other extensions ImageSharp knows (<c>.bmp</c>, <c>.gif</c>, <c>.tga</c>, <c>.webp</c>...) get 8-bit pixels.
/// </summary>
public static class ImageFileWriter
{
    /// <summary>Writes <paramref name="image"/> to <paramref name="path"/> (replacing it) and returns the file's size.</summary>
    /// <exception cref="NotSupportedException">The extension names no format.</exception>
    public static long Write(string path, FrameImage image)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        var extension = Path.GetExtension(path).ToUpperInvariant();
        switch (extension)
        {
            case ".TIF" or ".TIFF":
                WriteTiff(path, image);
                break;
            case ".NPY":
                WriteNpy(path, image);
                break;
            case ".BIN" or ".RAW":
                using (var raw = File.Create(path))
                {
                    raw.Write(image.Pixels.Bytes);
                }

                break;
            case ".PNG":
                WriteImageSharp(path, image, 16, new PngEncoder
                {
                    BitDepth = Is8Bit(image) ? PngBitDepth.Bit8 : PngBitDepth.Bit16,
                    ColorType = image.Shape.IsColor ? PngColorType.Rgb : PngColorType.Grayscale,
                });
                break;
            case ".JPG" or ".JPEG":
                WriteImageSharp(path, image, 8, new JpegEncoder { Quality = 95 });
                break;
            default:
                var format = Configuration.Default.ImageFormatsManager.FindFormatByFileExtension(extension.TrimStart('.'))
                    ?? throw new NotSupportedException($"no image format for '{Path.GetFileName(path)}' (use .tiff, .png, .jpg, .npy, .bin...)");
                WriteImageSharp(path, image, 8, Configuration.Default.ImageFormatsManager.FindEncoder(format));
                break;
        }

        return new FileInfo(path).Length;
    }

    private static bool Is8Bit(FrameImage image) => image.ElementType == ScalarType.UByte;

    private static void WriteImageSharp(string path, FrameImage image, int maxBits, IImageEncoder encoder)
    {
        int nx = image.Shape.Nx, ny = image.Shape.Ny;
        var bits = Is8Bit(image) ? 8 : maxBits;
        var values = image.ToUnsigned(bits);
        using var file = File.Create(path);
        if (bits == 8)
        {
            var bytes = new byte[values.Length];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)values[i];
            }

            if (image.Shape.IsColor)
            {
                using var rgb = Image.LoadPixelData<Rgb24>(MemoryMarshal.Cast<byte, Rgb24>(bytes), nx, ny);
                rgb.Save(file, encoder);
            }
            else
            {
                using var grey = Image.LoadPixelData<L8>(MemoryMarshal.Cast<byte, L8>(bytes), nx, ny);
                grey.Save(file, encoder);
            }
        }
        else if (image.Shape.IsColor)
        {
            using var rgb = Image.LoadPixelData<Rgb48>(MemoryMarshal.Cast<ushort, Rgb48>(values), nx, ny);
            rgb.Save(file, encoder);
        }
        else
        {
            using var grey = Image.LoadPixelData<L16>(MemoryMarshal.Cast<ushort, L16>(values), nx, ny);
            grey.Save(file, encoder);
        }
    }

    private static void WriteTiff(string path, FrameImage image)
    {
        var type = image.ElementType;
        var bytes = image.InterleavedBytes().ToArray();
        using var tiff = Tiff.Open(path, "w") ?? throw new IOException($"cannot create {path}");
        var samples = image.Shape.Components;
        tiff.SetField(TiffTag.IMAGEWIDTH, image.Shape.Nx);
        tiff.SetField(TiffTag.IMAGELENGTH, image.Shape.Ny);
        tiff.SetField(TiffTag.SAMPLESPERPIXEL, samples);
        tiff.SetField(TiffTag.BITSPERSAMPLE, type.ElementSize() * 8);
        tiff.SetField(TiffTag.SAMPLEFORMAT, type.IsFloatingPoint() ? SampleFormat.IEEEFP : type.IsUnsigned() || type == ScalarType.Boolean ? SampleFormat.UINT : SampleFormat.INT);
        tiff.SetField(TiffTag.PHOTOMETRIC, samples == 3 ? Photometric.RGB : Photometric.MINISBLACK);
        tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
        tiff.SetField(TiffTag.COMPRESSION, Compression.NONE);
        tiff.SetField(TiffTag.ROWSPERSTRIP, image.Shape.Ny);
        if (tiff.WriteEncodedStrip(0, bytes, bytes.Length) < 0)
        {
            throw new IOException($"cannot write {path}");
        }

        tiff.WriteDirectory();
    }

    private static void WriteNpy(string path, FrameImage image)
    {
        var shape = image.Shape.IsColor ? $"({image.Shape.Ny}, {image.Shape.Nx}, 3)" : $"({image.Shape.Ny}, {image.Shape.Nx})";
        var header = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '{NpyDescriptor(image.ElementType)}', 'fortran_order': False, 'shape': {shape}, }}");

        // Magic (6) + version (2) + length (2) + header + '\n', padded with spaces to a multiple of 64.
        var total = 10 + header.Length + 1;
        var padded = header + new string(' ', ((total + 63) / 64 * 64) - total) + "\n";
        using var file = File.Create(path);
        Span<byte> preamble = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 0, 0];
        BinaryPrimitives.WriteUInt16LittleEndian(preamble[8..], (ushort)padded.Length);
        file.Write(preamble);
        file.Write(Encoding.ASCII.GetBytes(padded));
        file.Write(image.InterleavedBytes());
    }

    private static string NpyDescriptor(ScalarType type) => type switch
    {
        ScalarType.Boolean => "|b1",
        ScalarType.Byte => "|i1",
        ScalarType.UByte => "|u1",
        ScalarType.Short => "<i2",
        ScalarType.UShort => "<u2",
        ScalarType.Int => "<i4",
        ScalarType.UInt => "<u4",
        ScalarType.Long => "<i8",
        ScalarType.ULong => "<u8",
        ScalarType.Float => "<f4",
        ScalarType.Double => "<f8",
        _ => throw new NotSupportedException($"{type.TypeName()} frames cannot be written as .npy"),
    };
}
