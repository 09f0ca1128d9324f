"""The probe/verify split (issue 7, class 3 and 7; the typed tree). In process, ~15 s.

* The sandbox's copy of the checking code is ``autograder/probe.py`` + ``autograder/probes/``,
  which import only numpy: no reference, specs, checks, gradcheck or hints; the probes the
  sandbox runs are the very ones the notebook's checks run.
* Return values are recorded as a typed tree and judged by one check (``Judge.value``).
* Every backward item has a big case, visible and hidden (a numerically differentiating backward
  runs out of time), and every edge case the instructions name is in every hidden draw: fragile
  code fails on every seed, not on some.
"""
from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np
import pytest

import course
from autograder import exercises
from autograder.checks import Judge, Report, draw_cases, load_spec
from autograder.grade.sandbox_output import read_captured
from autograder.probe import KEEP_INPUTS, Captured, load_probes

ASSIGNMENTS = exercises.names()
PROBE_FILES = [course.REPO / "autograder" / "probe.py",
               *sorted((course.REPO / "autograder" / "probes").glob("*.py"))]


@pytest.mark.parametrize("path", PROBE_FILES, ids=lambda p: p.name)
def test_probe_code_imports_only_numpy_and_the_probe(path):
    allowed = {"numpy", "autograder.probe", "__future__", "json", "traceback", "warnings", "pathlib",
               "importlib", "types"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module]
        else:
            continue
        assert set(names) <= allowed, f"{path.name} imports {names}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_checks_run_the_sandbox_probes(assignment):
    spec, probes = load_spec(assignment), load_probes(assignment)
    assert set(spec.ITEMS) == set(probes)
    for name, item in spec.ITEMS.items():
        assert item.probe is probes[name], name


def test_sandbox_lib_holds_only_the_probes(tmp_path):
    from autograder.grade.batch import make_lib
    lib = make_lib(tmp_path)
    files = sorted(str(p.relative_to(lib / "autograder")) for p in (lib / "autograder").rglob("*.py"))
    assert files == sorted(["__init__.py", "probe.py", "grade/__init__.py", "grade/runner.py",
                            *(f"probes/{p.name}" for p in (course.REPO / "autograder" / "probes").glob("*.py"))])
    code = ("import importlib, sys\n"
            f"for a in {ASSIGNMENTS!r}:\n    importlib.import_module('autograder.probes.' + a)\n"
            "from autograder import load_checks\nload_checks('activations', {})\n"
            "for m in ('autograder.checks', 'autograder.reference', 'autograder.specs', 'autograder.gradcheck',"
            " 'autograder.hints'):\n"
            "    try:\n        importlib.import_module(m)\n    except ImportError:\n        continue\n"
            "    sys.exit('importable: ' + m)\n")
    # as in the bubblewrap sandbox, where the repository is not mounted: the lib folder first, and
    # no editable-install finder pointing back into the repository
    head = (f"import sys; sys.path[:0] = [{str(lib)!r}]\n"
            "sys.meta_path[:] = [f for f in sys.meta_path if 'Editable' not in getattr(f, '__name__', type(f).__name__)]\n")
    proc = subprocess.run([sys.executable, "-I", "-c", head + code],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr + proc.stdout


class _Thing:
    pass


VALUES = {
    "none": None, "bool": True, "int": 3, "float": 2.5, "npfloat": np.float64(1.5),
    "zero_d": np.array(4.0), "array": np.arange(6.0).reshape(2, 3), "f32": np.ones(2, np.float32),
    "tuple": (np.ones(2), 1.0), "list": [np.zeros(3)], "dict": {"W": np.ones((2, 2)), "b": None},
    "other": _Thing(), "sub": np.ones(3).view(np.matrix),
}


def _judge(tmp_path):
    cap = Captured()
    for k, v in VALUES.items():
        cap.keep(k, v)
    cap.fail("raised", "`f` raised ValueError: boom")
    cap.save(tmp_path / "items" / "t")
    return Judge(Report("t"), read_captured(tmp_path, "t"))


def test_typed_tree_round_trip_and_one_check(tmp_path):
    j = _judge(tmp_path)
    assert j.info("tuple") == {"type": "tuple", "class": "tuple", "len": 2}
    assert j.value("float", "a", "float") == 2.5
    assert j.value("npfloat", "a", "float") == 1.5 and j.value("zero_d", "a", "float") == 4.0
    assert j.value("array", "a", ("array", (2, 3))).shape == (2, 3)
    assert j.value("array", "a", ("array", (None, 3))) is not None
    dx, s = j.value("tuple", "a", ("tuple", [("array", (2,)), "float"]))
    assert dx.shape == (2,) and s == 1.0
    got = j.value("dict", "a", ("dict", {"W": ("array", (2, 2)), "b": "none"}))
    assert got["W"].shape == (2, 2) and got["b"] is None
    assert all(o.passed for o in j.report.outcomes)
    wrong = [("none", "float", "NoneType"), ("int", "float", "int"), ("f32", ("array", (2,)), "float32"),
             ("array", ("array", (3, 2)), "shape (2, 3)"), ("tuple", ("tuple", ["float"]), "tuple of 2"),
             ("list", ("array", (3,)), "list"), ("other", "float", "a value of your own type"), ("sub", ("array", (1, 3)), "matrix"),
             ("raised", "float", "boom"), ("missing", "float", "not produced"),
             ("dict", ("dict", {"db": "none"}), "no key 'db'"), ("bool", "float", "bool")]
    for key, expect, words in wrong:
        n = len(j.report.outcomes)
        assert j.value(key, key, expect) is None
        (o,) = j.report.outcomes[n:]
        assert not o.passed and words in o.detail, (key, o.detail)


def test_malformed_results_are_refused():
    with pytest.raises(ValueError):
        Captured.from_parts({"meta": []}, {})
    with pytest.raises(ValueError):
        Captured.from_parts({"meta": {}, "errors": {}}, {"x": np.array(["a"])})


# ---------------------------------------------------------------- class 3: big cases everywhere
BIG = {"activations": [n for n in load_spec("activations").ITEMS if n != "step"],
       "two_layer_net": ["affine", "relu_layer", "sigmoid_layer"],
       "learning_types": list(load_spec("learning_types").ITEMS)}


@pytest.mark.parametrize("assignment", sorted(BIG))
def test_every_backward_item_has_a_big_case_visible_and_hidden(assignment):
    spec = load_spec(assignment)
    for name in BIG[assignment]:
        for hidden in (False, True):
            cases = draw_cases(spec.ITEMS[name], hidden=hidden, seed=None if not hidden else 3)
            assert max(max(np.size(v) for v in c.values()) for c in cases) > KEEP_INPUTS, (name, hidden)


# ---------------------------------------------------------------- class 7: same code, same score
FRAGILE = {
    # the textbook tanh overflows at the |x| = 800 the instructions name
    ("activations", "tanh"): "def tanh_forward(x):\n    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))\n",
    ("activations", "sigmoid"): "def sigmoid_forward(x):\n    return np.exp(x) / (1 + np.exp(x))\n",
    ("two_layer_net", "sigmoid_layer"): "class Sigmoid:\n    def forward(self, x):\n"
                                        "        self.out = np.exp(x) / (1 + np.exp(x))\n        return self.out\n"
                                        "    def backward(self, dout):\n        return dout * self.out * (1 - self.out)\n",
}


@pytest.mark.parametrize("key", sorted(FRAGILE), ids=lambda k: "-".join(k))
def test_fragile_code_fails_on_every_seed_and_visibly(key):
    assignment, item = key
    ns = course.mutant_namespace(assignment, FRAGILE[key])
    assert not any(course.check_report(ns, assignment, item, seed).passed for seed in range(1, 11))
    from autograder.checks import run_probe, verify
    spec = load_spec(assignment)
    cases = draw_cases(spec.ITEMS[item])
    assert not verify(spec.ITEMS[item], cases, run_probe(spec.ITEMS[item], ns, cases)).passed
