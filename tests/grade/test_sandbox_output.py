"""autograder.grade.sandbox_output: ``arrays.bin`` read through its index, and only plain numeric
arrays accepted (the hostile shapes of a sandbox's output are in test_grader_host.py)."""
import numpy as np
import pytest

from autograder.grade.sandbox_output import MAX_ARRAY_BYTES, Hostile, parse_arrays


def _pack(arrays):
    """The index and bytes a runner writes for ``arrays`` (autograder.probe.Captured.save)."""
    index, data = {}, b""
    for name, arr in arrays.items():
        index[name] = [arr.dtype.str, list(arr.shape), len(data)]
        data += np.ascontiguousarray(arr).tobytes() if arr.ndim else arr.tobytes()
    return index, data


@pytest.mark.parametrize("arr", [np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6).reshape(2, 3)),
                                 np.array([True, False]), np.zeros((0, 4), np.uint8),
                                 np.arange(3, dtype=">i4"), np.array(1.5, np.float32)])
def test_plain_arrays_round_trip(arr):
    got = parse_arrays(*_pack({"x": arr}))["x"]
    assert got.dtype == arr.dtype.newbyteorder("=") and got.shape == arr.shape
    assert np.array_equal(got, arr) and got.flags.writeable


@pytest.mark.parametrize("descr", ["<U1", "<c16", "|O", "<M8[D]", "|V8", "f8,f8", "<f8 ", "float64", 7])
def test_other_dtypes_are_refused(descr):
    with pytest.raises(Hostile, match="not allowed"):
        parse_arrays({"x": [descr, [1], 0]}, bytes(16))


@pytest.mark.parametrize("entry, why", [
    (["<f8", [3]], "malformed"),
    (["<f8", [3], 0, 0], "malformed"),
    (["<f8", 3, 0], "bad shape"),
    (["<f8", [-3], 0], "bad shape"),
    (["<f8", [True], 0], "bad shape"),
    (["<f8", [1.0], 0], "bad shape"),
    (["<f8", [1] * 33, 0], "bad shape"),
    (["<f8", [1], -8], "bad offset"),
    (["<f8", [1], 1.0], "bad offset"),
    (["<f8", [3], 8], "bytes at 8"),                      # runs past the end of the file
    (["<f8", [MAX_ARRAY_BYTES], 0], "too large"),
])
def test_malformed_entries_are_hostile(entry, why):
    with pytest.raises(Hostile, match=why):
        parse_arrays({"x": entry}, bytes(24))


def test_arrays_together_are_no_larger_than_the_file():
    # two names for the same bytes are read; more names than the file has room for are not
    got = parse_arrays({"a": ["<f8", [3], 0], "b": ["<f8", [3], 0]}, np.arange(6.0).tobytes())
    assert np.array_equal(got["a"], got["b"]) and got["a"] is not got["b"]
    with pytest.raises(Hostile, match="bytes at 0"):
        parse_arrays({"a": ["<f8", [3], 0], "b": ["<f8", [3], 0], "c": ["<f8", [1], 0]}, np.arange(6.0).tobytes())


def test_arrays_are_views_of_the_bytes_read_and_never_share_memory():
    data = bytearray(np.arange(6.0).tobytes())
    got = parse_arrays({"a": ["<f8", [4], 0], "b": ["<f8", [2], 16]}, data)     # b inside a
    assert not np.shares_memory(got["a"], got["b"]) and got["a"].flags.writeable
    got["a"][2] = 99.0
    assert got["b"][0] == 2.0
    got = parse_arrays({"a": ["<f8", [3], 0], "b": ["<f8", [3], 24]}, data)     # apart: views
    assert np.shares_memory(got["a"], np.frombuffer(data)) and np.shares_memory(got["b"], np.frombuffer(data))
    odd = bytearray(17)
    got = parse_arrays({"a": ["<f8", [2], 1]}, odd)                              # unaligned: a copy
    assert got["a"].flags.aligned and not np.shares_memory(got["a"], np.frombuffer(odd, np.uint8))


def test_names_are_kept_and_the_index_is_bounded():
    got = parse_arrays(*_pack({"c0/x": np.arange(2.0), "c1/y": np.ones(3, bool)}))
    assert set(got) == {"c0/x", "c1/y"} and got["c1/y"].dtype == bool
    with pytest.raises(Hostile, match="no index"):
        parse_arrays([["<f8", [1], 0]], bytes(8))
    with pytest.raises(Hostile, match="too many"):
        parse_arrays({str(i): ["<f8", [0], 0] for i in range(4097)}, b"")


def test_the_depth_bound_is_the_nesting_of_the_document():
    """``_depth_ok`` walks only containers; it agrees with the definition (a scalar or an empty
    container is depth 1, a container one more than its deepest entry) on random documents."""
    import random

    from autograder.grade.sandbox_output import _depth_ok

    def depth(o):
        children = list(o.values()) if isinstance(o, dict) else o if isinstance(o, list) else []
        return 1 + max(map(depth, children), default=0)

    rng = random.Random(0)

    def document(d=1):
        r = rng.random()
        if d > 7 or r < 0.3:
            return rng.choice([1, "a", None, 2.5, [], {}])
        if r < 0.65:
            return [document(d + 1) for _ in range(rng.randint(0, 3))]
        return {str(i): document(d + 1) for i in range(rng.randint(0, 3))}

    for _ in range(3000):
        doc = document()
        for limit in range(10):
            assert _depth_ok(doc, limit) == (depth(doc) <= limit), (doc, limit)
