#!/usr/bin/python3
"""Writes blosc.h5: Blosc (HDF5 filter 32001) chunks covering the decoder's paths, made by libhdf5 and the real
blosc plugin (Debian's hdf5-filter-plugin-blosc-serial, libblosc1 1.21). compressed.h5 holds the basic codec x
shuffle grid; this file adds what that grid does not reach: chunks that compress without shuffling, bitshuffled
blocks (element counts that are multiples of 8), several blocks per chunk with a short last one, typesizes 1, 3,
4, 8 and 32, unsplit blocks, splits stored raw, and memcpyed chunks. Each case asserts the chunk header it meant to
produce, so a change in libblosc's choices shows up here rather than as a silently weaker test.

Patterns (i = y*nx + x within a frame f; all values wrap to the element type):
  ramp:  f*1000 + i
  steps: f*7 + (y//3)*11 + x//5
  noise: ((f*1000 + i) * 2654435761 mod 2**32) >> 24   (low byte random-looking, high byte zero for uint16)
Block size, split mode and typesize are forced through libblosc's BLOSC_* environment variables; libblosc keeps a
forced block size for the rest of the process, so every dataset is written by its own child process.
"""
import ctypes
import json
import os
import struct
import subprocess
import sys

os.environ.setdefault("HDF5_PLUGIN_PATH", "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")
import h5py  # noqa: E402
import hdf5plugin  # noqa: E402
import numpy as np  # noqa: E402

SHUFFLES = {"noshuffle": hdf5plugin.Blosc.NOSHUFFLE, "shuffle": hdf5plugin.Blosc.SHUFFLE,
            "bitshuffle": hdf5plugin.Blosc.BITSHUFFLE}
CODES = {"blosclz": 0, "lz4": 1, "lz4hc": 1, "zlib": 3}


def pattern(kind, n, ny, nx, dtype):
    f, y, x = np.meshgrid(np.arange(n, dtype=np.int64), np.arange(ny, dtype=np.int64), np.arange(nx, dtype=np.int64),
                          indexing="ij")
    if kind == "ramp":
        v = f * 1000 + y * nx + x
    elif kind == "steps":
        v = f * 7 + (y // 3) * 11 + x // 5
    else:
        v = ((f * 1000 + y * nx + x) * 2654435761 % 2**32) >> 24
    bits = np.dtype(dtype).itemsize * 8
    return (v % 2**bits if np.dtype(dtype).kind in "iu" and bits < 64 else v).astype(dtype)


# name: (pattern, dtype, shape, codec, shuffle, clevel, env, expected header checks)
# checks: flags mask/value pairs and optional typesize / blocksize / block count
CASES = {}


def case(name, kind, dtype, shape, cname, shuffle, clevel=5, env=None, **expect):
    CASES[name] = dict(kind=kind, dtype=dtype, shape=shape, cname=cname, shuffle=shuffle, clevel=clevel,
                       env=env or {}, expect=expect)


SMALL = (3, 30, 37)    # 1110 elements per frame: not a multiple of 8
EIGHTS = (2, 32, 40)   # 1280 elements per frame: bitshuffle applies
BIG = (2, 64, 300)     # 19,200 elements per frame
HUGE = (2, 250, 400)   # 100,000 elements per frame
for cname in CODES:
    for label in SHUFFLES:
        case(f"steps/{cname}-{label}", "steps", "uint16", SMALL, cname, label, split=True, blocks=1)
    case(f"bitshuffle/{cname}-uint16", "ramp", "uint16", EIGHTS, cname, "bitshuffle", bitshuffle=True, split=True)
for dtype, size in (("uint8", 1), ("int32", 4), ("float32", 4), ("uint64", 8)):
    case(f"types/blosclz-shuffle-{dtype}", "steps", dtype, EIGHTS, "blosclz", "shuffle", typesize=size, split=True)
    case(f"types/lz4-bitshuffle-{dtype}", "ramp", dtype, EIGHTS, "lz4", "bitshuffle", typesize=size)
# A forced block size is raised to 64 KiB when blocks are split, so split multi-block chunks need 200,000 bytes:
# three 65,536-byte blocks and a short last one (never split).
case("blocks/blosclz-shuffle", "ramp", "uint16", HUGE, "blosclz", "shuffle", env={"BLOSC_BLOCKSIZE": "4096"},
     blocksize=65536, blocks=4, split=True)
case("blocks/lz4-bitshuffle", "ramp", "uint16", HUGE, "lz4", "bitshuffle", env={"BLOSC_BLOCKSIZE": "4096"},
     blocksize=65536, blocks=4, split=True, bitshuffle=True)
case("blocks/zlib-noshuffle-nosplit", "steps", "uint16", BIG, "zlib", "noshuffle",
     env={"BLOSC_BLOCKSIZE": "4096", "BLOSC_SPLITMODE": "NEVER"}, blocksize=4096, blocks=10, split=False)
# 2220-byte chunks in 1024-byte blocks: two bitshuffled blocks of 512 elements, then 86 elements left as they are.
case("blocks/bitshuffle-short-last", "ramp", "uint16", SMALL, "lz4", "bitshuffle",
     env={"BLOSC_BLOCKSIZE": "1024", "BLOSC_SPLITMODE": "NEVER"}, blocksize=1024, blocks=3, split=False)
case("nosplit/blosclz-shuffle", "ramp", "uint16", BIG, "blosclz", "shuffle", env={"BLOSC_SPLITMODE": "NEVER"},
     split=False)
# A typesize the data type does not have: 3 splits per block; 32 is above the split limit and leaves a 12-byte tail.
case("typesize/blosclz-shuffle-ts3", "steps", "uint16", SMALL, "blosclz", "shuffle", env={"BLOSC_TYPESIZE": "3"},
     typesize=3, split=True)
case("typesize/lz4-shuffle-ts32", "steps", "uint16", SMALL, "lz4", "shuffle", env={"BLOSC_TYPESIZE": "32"},
     typesize=32, blocksize=2208, blocks=2)
# The low-byte stream does not compress and is stored raw (csize == stream size); the high bytes are all zero.
case("raw/blosclz-shuffle-noise", "noise", "uint16", SMALL, "blosclz", "shuffle", split=True, rawsplit=True)
# The HDF5 plugin gives libblosc no room for a memcpyed chunk, so these are made by libblosc directly (clevel 0)
# and stored with H5Dwrite_chunk, as other blosc writers may do.
case("memcpy/clevel0", "ramp", "uint16", SMALL, "blosclz", "shuffle", clevel=0, direct=True, memcpyed=True)

def write_one(path, name):
    c = CASES[name]
    os.environ.update(c["env"])
    data = pattern(c["kind"], *c["shape"], c["dtype"])
    filter_args = hdf5plugin.Blosc(cname=c["cname"], clevel=c["clevel"], shuffle=SHUFFLES[c["shuffle"]])
    with h5py.File(path, "a") as f:
        ds = f.create_dataset(name, shape=data.shape, dtype=data.dtype, chunks=(1,) + c["shape"][1:], **filter_args)
        if not c["expect"].get("direct"):
            ds[...] = data
            return
        blosc = ctypes.CDLL("libblosc.so.1")
        blosc.blosc_set_compressor(c["cname"].encode())
        for i in range(data.shape[0]):
            frame = np.ascontiguousarray(data[i]).tobytes()
            out = ctypes.create_string_buffer(len(frame) + 16)
            n = blosc.blosc_compress(c["clevel"], SHUFFLES[c["shuffle"]], data.dtype.itemsize, len(frame), frame, out,
                                     len(out))
            assert n > 0, name
            ds.id.write_direct_chunk((i,) + (0,) * (data.ndim - 1), out.raw[:n])


def check(f, name):
    c = CASES[name]
    ds = f[name]
    assert (ds[...] == pattern(c["kind"], *c["shape"], c["dtype"])).all(), name
    headers = []
    for i in range(ds.shape[0]):
        mask, chunk = ds.id.read_direct_chunk((i, 0, 0))
        assert mask == 0, f"{name}: chunk {i} was stored without the blosc filter"
        version, versionlz, flags, typesize, nbytes, blocksize, cbytes = struct.unpack("<BBBBiii", chunk[:16])
        assert cbytes == len(chunk) and flags >> 5 == CODES[c["cname"]], (name, flags)
        e = c["expect"]
        assert e.get("memcpyed", False) == bool(flags & 2), (name, hex(flags))
        if not flags & 2:
            assert bool(flags & 4) == (c["shuffle"] == "bitshuffle"), (name, hex(flags))
            assert bool(flags & 1) == (c["shuffle"] == "shuffle"), (name, hex(flags))
        if "split" in e:
            assert e["split"] == (not flags & 0x10), (name, hex(flags))
        if "typesize" in e:
            assert typesize == e["typesize"], (name, typesize)
        if "blocksize" in e:
            assert blocksize == e["blocksize"], (name, blocksize)
        blocks = -(-nbytes // blocksize)
        if "blocks" in e:
            assert blocks == e["blocks"], (name, blocks)
        if e.get("rawsplit"):
            # Two splits in one block: the first (low bytes) stored raw at its full length.
            start = struct.unpack_from("<i", chunk, 16)[0]
            assert struct.unpack_from("<i", chunk, start)[0] == nbytes // 2, name
        headers.append(dict(version=version, versionlz=versionlz, flags=flags, typesize=typesize, nbytes=nbytes,
                            blocksize=blocksize, cbytes=cbytes))
    return headers


def main(path):
    if os.path.exists(path):
        os.remove(path)
    for name in CASES:
        subprocess.run([sys.executable, __file__, "--one", path, name], check=True)
    with h5py.File(path) as f:
        summary = {name: check(f, name)[0] for name in CASES}
    print(json.dumps(summary, indent=None).replace("}, ", "},\n "))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        write_one(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "blosc.h5"))
