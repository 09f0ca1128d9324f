"""autograder.grade.sandbox_output: .npy members read with NumPy's own header reader, and only plain
numeric arrays accepted (the hostile shapes of a sandbox's output are in test_grader_host.py)."""
import io
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npformat

from autograder.grade.sandbox_output import Hostile, _parse_npy, parse_npz


def _npy(arr, version=None):
    f = io.BytesIO()
    npformat.write_array(f, arr, version=version, allow_pickle=False)
    return f.getvalue()


@pytest.mark.parametrize("arr", [np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6).reshape(2, 3)),
                                 np.array([True, False]), np.zeros((0, 4), np.uint8),
                                 np.arange(3, dtype=">i4"), np.float32(1.5)])
def test_plain_arrays_round_trip(arr):
    got = _parse_npy(_npy(arr), "x.npy")
    assert got.dtype == arr.dtype.newbyteorder("=") and np.array_equal(got, arr) and got.flags.writeable


def test_version_2_headers_are_read():
    assert np.array_equal(_parse_npy(_npy(np.arange(4.0), version=(2, 0)), "x.npy"), np.arange(4.0))


@pytest.mark.parametrize("arr", [np.array(["a"]), np.array([1 + 2j]), np.zeros(2, dtype="f8,f8"),
                                 np.array(["2026-01-01"], dtype="M8[D]")])
def test_other_dtypes_are_refused(arr):
    with pytest.raises(Hostile, match="not allowed"):
        _parse_npy(_npy(arr), "x.npy")


@pytest.mark.parametrize("mutate, why", [
    (lambda d: b"\x93NUMPX" + d[6:], "unreadable"),                               # bad magic
    (lambda d: d[:6] + b"\x03\x00" + d[8:], "version 3"),                         # not written by np.save
    (lambda d: d[:-8], "bytes for shape"),                                        # truncated body
    (lambda d: d.replace(b"(3,)", b"(True,)"), "bad shape"),                      # a bool is no size
    (lambda d: d.replace(b"(3,)", b"(-3,)"), "unreadable|bad shape"),
    (lambda d: d[:9], "unreadable"),                                              # truncated header
])
def test_malformed_members_are_hostile(mutate, why):
    with pytest.raises(Hostile, match=why):
        _parse_npy(mutate(_npy(np.arange(3.0))), "x.npy")


def test_header_length_is_bounded():
    data = _npy(np.arange(3.0))
    header = data[10:10 + int.from_bytes(data[8:10], "little")]
    big = header[:-1] + b" " * 5000 + b"\n"
    with pytest.raises(Hostile):
        _parse_npy(data[:8] + len(big).to_bytes(2, "little") + big + data[10 + len(header):], "x.npy")


def test_npz_members_keep_their_names():
    f = io.BytesIO()
    np.savez(f, **{"0/x": np.arange(2.0), "0/y": np.ones(3, bool)})
    got = parse_npz(f.getvalue())
    assert set(got) == {"0/x", "0/y"} and got["0/y"].dtype == bool
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.npy", _npy(np.arange(2.0)))
    with pytest.raises(Hostile, match="compressed"):
        parse_npz(f.getvalue())
