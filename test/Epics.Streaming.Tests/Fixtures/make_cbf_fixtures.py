#!/usr/bin/python3
"""Writes the CBF fixtures for CbfFrameSourceTests: single frames written by fabio, and multi-section, uncompressed
and damaged files built byte by byte here (fabio writes one binary section per file).

Run with the Debian interpreter (python3-fabio, python3-numpy):
    /usr/bin/python3 make_cbf_fixtures.py
Pixel values follow formulas that the C# tests recompute; keep both in step.
"""
import logging
import os
import struct

import fabio
import fabio.cbfimage
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
NX, NY = 40, 30
STARTER = b"\x0c\x1a\x04\xd5"

# Pixels overridden in every ramp frame: small, int16-sized and int32-sized jumps, and the int32 extremes
# (whose difference wraps around in fabio's 32-bit writer).
SPECIALS = {5: -1, 77: 1000, 100: 40000, 101: -70000, 200: 2147483647, 201: -2147483648, 202: -1, 1199: 123456}


def ramp(frame):
    """value = frame*1000 + (i % nx)*3 - 50 + i // nx, then SPECIALS[i] where given; int32."""
    i = np.arange(NX * NY, dtype=np.int64)
    v = frame * 1000 + (i % NX) * 3 - 50 + i // NX
    for k, s in SPECIALS.items():
        v[k] = s
    return v.astype(np.int32).reshape(NY, NX)


# 8x4 frames of each element type fabio writes: signed (i*3 - 40)*scale, unsigned i*scale + 7.
TYPES = [("int8", 1), ("uint8", 8), ("int16", 500), ("uint16", 2000), ("uint32", 100000000), ("int64", 1000000000)]


def typed(dtype, scale):
    i = np.arange(32, dtype=np.int64).reshape(4, 8)
    v = i * scale + 7 if dtype.startswith("uint") else (i * 3 - 40) * scale
    return v.astype(dtype)


def path(name):
    return os.path.join(HERE, name)


def byte_offset(values):
    """Our own byte-offset encoder for int32 data: deltas as int8, else 0x80 + int16, else 0x80 0x8000 + int32.

    Deltas wrap around in 32 bits, as CBFlib and fabio write 32-bit data (fabio's 32-bit reader has no int64 escape).
    """
    out = bytearray()
    previous = 0
    for v in (int(x) for x in values):
        d = (v - previous + 2**31) % 2**32 - 2**31
        previous = v
        if -127 <= d <= 127:
            out += struct.pack("<b", d)
        elif -32767 <= d <= 32767:
            out += b"\x80" + struct.pack("<h", d)
        else:
            out += b"\x80\x00\x80" + struct.pack("<i", d)
    return bytes(out)


def escapes(blob, count):
    """How many deltas of each width (1, 2, 4, 8 bytes) a byte-offset stream of `count` values holds."""
    seen = {1: 0, 2: 0, 4: 0, 8: 0}
    p = 0
    for _ in range(count):
        if blob[p] != 0x80:
            seen[1] += 1
            p += 1
        elif blob[p + 1:p + 3] != b"\x00\x80":
            seen[2] += 1
            p += 3
        elif blob[p + 3:p + 7] != b"\x00\x00\x00\x80":
            seen[4] += 1
            p += 7
        else:
            seen[8] += 1
            p += 15
    return seen


def section(blob, nx, ny, element_type, conversions="x-CBF_BYTE_OFFSET", order="LITTLE_ENDIAN", padding=0, ident=1):
    """One binary section the way a Pilatus/Eiger writes it: CRLF lines, MIME header, starter, data, padding."""
    head = "\r\n".join([
        "_array_data.data",
        ";",
        "--CIF-BINARY-FORMAT-SECTION--",
        "Content-Type: application/octet-stream;",
        f'     conversions="{conversions}"',
        "Content-Transfer-Encoding: BINARY",
        f"X-Binary-Size: {len(blob)}",
        f"X-Binary-ID: {ident}",
        f'X-Binary-Element-Type: "{element_type}"',
        f"X-Binary-Element-Byte-Order: {order}",
        f"X-Binary-Number-of-Elements: {nx * ny}",
        f"X-Binary-Size-Fastest-Dimension: {nx}",
        f"X-Binary-Size-Second-Dimension: {ny}",
        f"X-Binary-Size-Padding: {padding}",
        "",
        "",
    ]).encode("ascii")
    return head + STARTER + blob + b"\0" * padding + b"\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n"


HEADER = (b"###CBF: VERSION 1.5, hand-built by make_cbf_fixtures.py\r\n\r\ndata_frames\r\n\r\n"
          b"_array_data.header_convention \"PILATUS_1.4\"\r\n_array_data.header_contents\r\n;\r\n"
          b"# Detector: test, S/N 0\r\n# Exposure_time 0.1 s\r\n;\r\n\r\n")


def main():
    # fabio 0.14 logs a spurious MD5 mismatch when it reads back non-int32 files it wrote; the data itself is checked.
    logging.getLogger("fabio.cbfimage").setLevel(logging.CRITICAL)
    # fabio's own writer: one 40x30 int32 frame with byte-offset compression.
    name = path("ramp_int32.cbf")
    fabio.cbfimage.CbfImage(data=ramp(0)).write(name)
    back = fabio.open(name)
    assert back.data.dtype == np.int32 and np.array_equal(back.data, ramp(0))
    blob = fabio.cbfimage.CbfImage().read(name, only_raw=True)
    seen = escapes(blob, NX * NY)
    assert seen[2] > 0 and seen[4] > 0, seen

    for dtype, scale in TYPES:
        name = path(f"type_{dtype}.cbf")
        fabio.cbfimage.CbfImage(data=typed(dtype, scale)).write(name)
        back = fabio.open(name)
        assert back.data.dtype == np.dtype(dtype) and np.array_equal(back.data, typed(dtype, scale)), dtype
    assert escapes(fabio.cbfimage.CbfImage().read(path("type_int64.cbf"), only_raw=True), 32)[8] > 0

    # Two sections (frames 0 and 1) in one file, with Dectris-style zero padding after each blob.
    sections = [section(byte_offset(ramp(f).ravel()), NX, NY, "signed 32-bit integer", padding=4095, ident=f + 1)
                for f in range(2)]
    with open(path("two_frames_int32.cbf"), "wb") as f:
        f.write(HEADER + b"".join(sections))
    back = fabio.open(path("two_frames_int32.cbf"))  # fabio reads the first section only
    assert np.array_equal(back.data, ramp(0))

    # Uncompressed big-endian uint16, values i*2000 + 7 as in type_uint16.cbf.
    raw = typed("uint16", 2000).astype(">u2").tobytes()
    with open(path("none_be_uint16.cbf"), "wb") as f:
        f.write(HEADER + section(raw, 8, 4, "unsigned 16-bit integer", conversions="x-CBF_NONE", order="BIG_ENDIAN"))

    # A 40x30 section whose stream ends inside an int16 escape after 1199 values (X-Binary-Size is honest).
    short = byte_offset(ramp(0).ravel()[:NX * NY - 1]) + b"\x80\x01"
    with open(path("short_stream_int32.cbf"), "wb") as f:
        f.write(HEADER + section(short, NX, NY, "signed 32-bit integer"))

    for name in sorted(os.listdir(HERE)):
        if name.endswith(".cbf"):
            size = os.path.getsize(path(name))
            assert size < 50_000, name
            print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
