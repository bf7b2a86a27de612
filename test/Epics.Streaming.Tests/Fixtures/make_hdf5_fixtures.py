#!/usr/bin/python3
"""Writes the compressed HDF5 fixtures the frame-source tests read, using libhdf5 and the real filter plugins.

Needs Debian's python3-h5py, python3-hdf5plugin, bitshuffle and hdf5-filter-plugin-blosc-serial (HDF5_PLUGIN_PATH is
set to their plugin folder below). Every dataset holds value = (frame*1000 + y*nx + x) mod 2**bits, shape (n, ny, nx),
chunked one frame per chunk unless the name says otherwise.
"""
import hashlib
import json
import os
import sys

os.environ.setdefault("HDF5_PLUGIN_PATH", "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")
import h5py  # noqa: E402
import hdf5plugin  # noqa: E402
import numpy as np  # noqa: E402


def frames(n, ny, nx, dtype):
    f, y, x = np.meshgrid(np.arange(n), np.arange(ny), np.arange(nx), indexing="ij")
    v = f * 1000 + y * nx + x
    if np.dtype(dtype).kind == "u":
        v = v % (int(np.iinfo(dtype).max) + 1)
    return v.astype(dtype)  # signed types hold the small values as they are


def main(path):
    n, ny, nx = 3, 30, 37  # 1110 elements: not a multiple of 8 or of a bitshuffle block
    with h5py.File(path, "w") as f:
        for dtype in ("uint8", "uint16", "int32", "float32", "uint64"):
            d = frames(n, ny, nx, dtype)
            f.create_dataset(f"bslz4/{dtype}", data=d, chunks=(1, ny, nx),
                             **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
            f.create_dataset(f"lz4/{dtype}", data=d, chunks=(1, ny, nx), **hdf5plugin.LZ4())
        d16 = frames(n, ny, nx, "uint16")
        big = frames(2, 64, 300, "uint16")  # 19,200 elements: several bitshuffle blocks and a short last one
        f.create_dataset("bslz4/blocks", data=big, chunks=(1, 64, 300), **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
        f.create_dataset("bslz4/block256", data=big, chunks=(1, 64, 300), **hdf5plugin.Bitshuffle(nelems=256, cname="lz4"))
        f.create_dataset("bitshuffle/none", data=d16, chunks=(1, ny, nx), **hdf5plugin.Bitshuffle(nelems=0, cname="none"))
        f.create_dataset("lz4/big", data=big, chunks=(1, 64, 300), **hdf5plugin.LZ4(nbytes=4096))
        for cname in ("blosclz", "lz4", "lz4hc", "zlib"):
            for shuffle, label in ((hdf5plugin.Blosc.NOSHUFFLE, "noshuffle"), (hdf5plugin.Blosc.SHUFFLE, "shuffle"),
                                   (hdf5plugin.Blosc.BITSHUFFLE, "bitshuffle")):
                f.create_dataset(f"blosc/{cname}-{label}", data=d16, chunks=(1, ny, nx),
                                 **hdf5plugin.Blosc(cname=cname, clevel=5, shuffle=shuffle))
        f.create_dataset("blosc/big-lz4-shuffle", data=big, chunks=(1, 64, 300),
                         **hdf5plugin.Blosc(cname="lz4", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE))
        f.create_dataset("blosc/zstd-shuffle", data=d16, chunks=(1, ny, nx),
                         **hdf5plugin.Blosc(cname="zstd", clevel=5, shuffle=hdf5plugin.Blosc.SHUFFLE))
        # Pipelines a raw-chunk pass-through cannot send as one codec, and layouts it cannot cut into frames.
        f.create_dataset("mixed/shuffle-lz4", data=d16, chunks=(1, ny, nx), shuffle=True, **hdf5plugin.LZ4())
        f.create_dataset("mixed/two-frames-per-chunk", data=d16, chunks=(2, ny, nx), **hdf5plugin.LZ4())
        f.create_dataset("plain/uint16", data=d16, chunks=(1, ny, nx))
        f.create_dataset("plain/single", data=d16[0], chunks=(ny, nx), **hdf5plugin.Bitshuffle(nelems=0, cname="lz4"))
    with h5py.File(path) as f:  # what a consumer of the raw chunks should be able to decode
        for name in ("bslz4/uint16", "lz4/uint16", "blosc/lz4-shuffle"):
            ds = f[name]
            assert (ds[...] == frames(n, ny, nx, "uint16")).all(), name
        # The stored chunks as libhdf5 returns them (H5Dread_chunk), for checking a raw-chunk pass-through.
        chunks = {}
        for name in ("bslz4/uint16", "bslz4/blocks", "lz4/uint8", "lz4/big", "blosc/lz4-shuffle", "blosc/zlib-bitshuffle",
                     "blosc/zstd-shuffle"):
            ds = f[name]
            chunks[name] = [{"filterMask": mask, "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                            for mask, data in (ds.id.read_direct_chunk((i, 0, 0)) for i in range(ds.shape[0]))]
    with open(os.path.splitext(path)[0] + ".chunks.json", "w") as out:
        json.dump(chunks, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "compressed.h5"))
