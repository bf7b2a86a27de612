#!/usr/bin/python3
"""Writes the TIFF and EDF fixtures for ImageFrameSourceTests with real tools (tifffile, Pillow/libtiff, fabio).

Run with the Debian interpreter (python3-tifffile, python3-pil, python3-fabio, python3-numpy):
    /usr/bin/python3 make_image_fixtures.py
Pixel values follow formulas that the C# tests recompute; keep both in step.
"""
import os

import fabio
import fabio.edfimage
import numpy as np
import tifffile
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
NX, NY = 40, 30


def ramp(frame, nx=NX, ny=NY, dtype=np.uint16):
    """value = (frame*1000 + y*nx + x) % 65536."""
    i = np.arange(nx * ny, dtype=np.int64).reshape(ny, nx)
    return ((frame * 1000 + i) % 65536).astype(dtype)


def float_ramp(frame, nx=NX, ny=NY):
    """value = (frame*1000 + y*nx + x) * 0.25 - 50 (exact in float32)."""
    i = np.arange(nx * ny, dtype=np.float64).reshape(ny, nx)
    return ((frame * 1000 + i) * 0.25 - 50).astype(np.float32)


# Single-page 8x4 images of each element type: value = (i*3 - 40) * scale, unsigned ones i*scale + 7.
TYPES = [
    ("int8", "<", 1), ("uint8", ">", 1), ("int16", ">", 500), ("uint16", "<", 1000), ("int32", ">", 100000),
    ("uint32", "<", 100000), ("float32", "<", 0.5), ("float64", ">", 0.5),
]


def typed(dtype, scale):
    i = np.arange(32, dtype=np.float64).reshape(4, 8)
    v = i * scale + 7 if dtype.startswith("uint") else (i * 3 - 40) * scale
    return v.astype(dtype)


def path(name):
    return os.path.join(HERE, name)


def main():
    # Three uint16 pages in 7-row strips (the last strip is short), little-endian.
    tifffile.imwrite(path("multipage_u16.tif"), np.stack([ramp(f) for f in range(3)]), rowsperstrip=7, photometric="minisblack")
    # Big-endian float32, two pages.
    tifffile.imwrite(path("float32_be.tif"), np.stack([float_ramp(f) for f in range(2)]), byteorder=">", photometric="minisblack")
    # 16x16 tiles (40x30 leaves partial edge tiles), deflate with horizontal predictor, two pages.
    tifffile.imwrite(path("tiled_deflate_u16.tif"), np.stack([ramp(f) for f in range(2)]), tile=(16, 16), compression="zlib",
                     predictor=True, photometric="minisblack")
    # LZW strips written by libtiff through Pillow, two pages.
    pages = [Image.fromarray(ramp(f)) for f in range(2)]
    pages[0].save(path("lzw_u16.tif"), compression="tiff_lzw", save_all=True, append_images=pages[1:])
    # RGB uint8, pixel-interleaved: channel c of pixel i = (3*i + c) % 256.
    rgb = (np.arange(20 * 10 * 3, dtype=np.int64).reshape(10, 20, 3) % 256).astype(np.uint8)
    tifffile.imwrite(path("rgb_u8.tif"), rgb, photometric="rgb")
    for dtype, order, scale in TYPES:
        tifffile.imwrite(path(f"type_{dtype}.tif"), typed(dtype, scale), byteorder=order, photometric="minisblack")

    # Pages that do not match page 0 (size, then type).
    with tifffile.TiffWriter(path("mixed_pages.tif")) as w:
        w.write(ramp(0), photometric="minisblack")
        w.write(typed("uint16", 1000), photometric="minisblack")
        w.write(float_ramp(0), photometric="minisblack")

    # EDF: two uint16 frames written by fabio (LowByteFirst on this little-endian host).
    edf = fabio.edfimage.EdfImage(data=ramp(0))
    edf.append_frame(data=ramp(1))
    edf.write(path("two_frames_u16.edf"))

    # EDF float32 HighByteFirst: fabio writes host order only, so the header is written here and fabio reads it back.
    with open(path("float32_be.edf"), "wb") as f:
        for frame in range(2):
            data = float_ramp(frame).astype(">f4")
            lines = ["{\n", "HeaderID = EH:%06d:000000:000000 ;\n" % (frame + 1), "Image = %d ;\n" % (frame + 1),
                     "ByteOrder = HighByteFirst ;\n", "DataType = FloatValue ;\n", "Dim_1 = %d ;\n" % NX,
                     "Dim_2 = %d ;\n" % NY, "Size = %d ;\n" % data.nbytes]
            text = "".join(lines)
            pad = 512 - ((len(text) + 2) % 512)
            f.write((text + " " * pad + "}\n").encode("ascii"))
            f.write(data.tobytes())

    check()


def check():
    """Reads every fixture back with the tools (not our code) to prove the files say what the tests expect."""
    with tifffile.TiffFile(path("multipage_u16.tif")) as t:
        assert len(t.pages) == 3 and len(t.pages[0].dataoffsets) == 5
        for f in range(3):
            assert (t.pages[f].asarray() == ramp(f)).all()
    with tifffile.TiffFile(path("float32_be.tif")) as t:
        assert t.byteorder == ">"
        assert (t.asarray() == np.stack([float_ramp(f) for f in range(2)])).all()
    with tifffile.TiffFile(path("tiled_deflate_u16.tif")) as t:
        assert t.pages[0].is_tiled and t.pages[0].compression == 8
        assert (t.asarray()[1] == ramp(1)).all()
    with Image.open(path("lzw_u16.tif")) as im:
        assert im.info["compression"] == "tiff_lzw" and im.n_frames == 2
        im.seek(1)
        assert (np.array(im) == ramp(1)).all()
    for dtype, order, scale in TYPES:
        with tifffile.TiffFile(path(f"type_{dtype}.tif")) as t:
            assert t.byteorder == order and (t.asarray() == typed(dtype, scale)).all()
    two = fabio.open(path("two_frames_u16.edf"))
    assert two.nframes == 2 and two.header["ByteOrder"] == "LowByteFirst"
    assert (two.getframe(1).data == ramp(1)).all()
    be = fabio.open(path("float32_be.edf"))
    assert be.nframes == 2 and (be.getframe(1).data == float_ramp(1)).all()


if __name__ == "__main__":
    main()
