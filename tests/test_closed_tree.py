"""Every field of the recorded tree the host reads is checked against a closed set (issue 21 §5).

The learner's code shares the probe's process and can rewrite what it saves. The host therefore
takes from each node only a kind, a NumPy dtype name from a fixed list, a shape that is a short
list of ints, a length that is an int, a class name from a fixed list and plain keys
(:func:`autograder.probe.closed_node`); anything else becomes fixed words. Here: each field
forged on the sandbox's side, read back through the host's reader, judged, and rendered as a
hidden verdict — the forged text never appears. Through the real grader: ``test_grader_numdiff.py``.
"""
from __future__ import annotations

import numpy as np
import pytest

import course
from autograder.checks import draw_cases, load_spec, run_probe, verify
from autograder.grade import sandbox_output as results
from autograder.grade.text import hidden_text
from autograder.probe import CLASSES, DTYPES, OTHER_CLASS, Captured, closed_node, dtype_name

MARK = "QQFORGEDQQ1234567"

FORGED = {
    "dtype": ({"dtype": MARK}, "has dtype an unexpected dtype"),
    "dtype structured": ({"dtype": f"[('{MARK}', '<f8')]"}, "has dtype an unexpected dtype"),
    "shape text": ({"shape": [f"{MARK}) (3", 4]}, "has the wrong shape"),
    "shape huge": ({"shape": [1 << 60]}, "has the wrong shape"),
    "shape long": ({"shape": [1] * 40}, "has the wrong shape"),
    "len": ({"len": MARK}, "of an unreadable length"),
    "len float": ({"len": 2.5}, "of an unreadable length"),
    "class numpy": ({"type": "other", "class": f"numpy.{MARK}"}, OTHER_CLASS),
    "class builtin": ({"type": "other", "class": f"builtins.{MARK}"}, OTHER_CLASS),
    "type": ({"type": MARK}, "is a numpy.ndarray; return"),
    "unreadable": ({"type": "other", "class": "int", "unreadable": MARK}, "is a int"),
}


#: The forged node: relu's dx (an array is expected), or for ``len``, prelu's result (a tuple).
TARGET = {"relu": "c0/dx", "prelu": "c0/res"}


@pytest.fixture(scope="module")
def honest():
    """The solution's relu and prelu results on hidden cases, as the sandbox saves them."""
    ns = course.solution_namespace("activations")
    out = {}
    for name in TARGET:
        item = load_spec("activations").ITEMS[name]
        cases = [c for c in draw_cases(item, hidden=True, seed=99) if c["x"].size <= 10_000]
        out[name] = item, cases, run_probe(item, ns, cases)
    return out


@pytest.mark.parametrize("name", sorted(FORGED))
def test_forged_field_is_replaced_by_fixed_words(honest, name, tmp_path):
    which = "prelu" if name.startswith("len") else "relu"
    item, cases, cap = honest[which]
    fields, words = FORGED[name]
    forged = Captured()
    forged.arrays, forged.errors = dict(cap.arrays), dict(cap.errors)
    forged.meta = {k: dict(v) for k, v in cap.meta.items()}
    forged.meta[TARGET[which]].update(fields)
    out = tmp_path / "out"
    forged.save(out / "items" / which)
    back = results.sanitize_hidden(results.read_captured(out, which), {f"{which}_backward"})
    report = verify(item, cases, back)
    text = hidden_text(report.text(values=False))
    assert not report.passed
    assert MARK not in text and "1152921504606846976" not in text, text
    assert words in text, text


def test_closed_node_keeps_honest_fields():
    node = {"type": "array", "dtype": "float32", "shape": [3, 4], "class": "numpy.ndarray", "subclass": True}
    assert closed_node(node) == node
    assert closed_node({"type": "tuple", "len": 2, "class": "tuple"}) == {"type": "tuple", "len": 2, "class": "tuple"}
    assert closed_node({"type": "dict", "keys": ["W1", MARK + "/x", 3], "len": 3})["keys"] == ["W1"]
    assert "extra" not in closed_node({"type": "none", "extra": MARK})


def test_probe_records_closed_dtype_names():
    """The probe itself records dtype names from the closed list (a structured dtype as
    ``void``, strings as ``str``): an honest learner sees the same words in the notebook."""
    for arr, name in ((np.zeros(2, dtype=[(MARK, "f8")]), "void"), (np.array(["ab"]), "str"),
                      (np.zeros(2, np.float32), "float32"), (np.zeros(2, bool), "bool"),
                      (np.array([b"x"]), "bytes"), (np.zeros(2, "M8[s]"), "datetime64")):
        assert dtype_name(arr.dtype) == name
        assert name in DTYPES
    cap = Captured()
    cap.keep("a", np.zeros(3, dtype=[(MARK, "f8")]))
    assert cap.meta["a"]["dtype"] == "void" and MARK not in str(cap.meta)


def test_class_list_names_what_numpy_returns():
    for value in (np.float64(1), np.float32(1), np.int64(1), np.bool_(True), np.zeros(2), np.ma.masked_array([1.0]),
                  None, 1, 1.0, "s", (), [], {}):
        cap = Captured()
        cap.keep("v", value)
        assert cap.meta["v"]["class"] in CLASSES, cap.meta["v"]
