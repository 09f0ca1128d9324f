"""A forged probe has nothing correct to report (issue 7, class 3).

The batch grader's sandbox holds only ``autograder/probe.py`` and ``autograder/probes/`` — no
reference forwards, specs, checks, gradient checker or hints — and the host judges what comes
back against its own reference. ONE run of the real CLI grades a blank notebook to which each
attacker adds a few lines: patch or replace the probe, import whatever checking code it can find,
or write the results files itself. Every attacker must score 0 on every item; an honest solution
in the same run keeps full marks. Reuses ``tests/test_grader.py``'s helpers (~40 s on 2 cores).
"""
from __future__ import annotations

import os

import pytest

import course
from conftest import shared_once
from test_grader import A, NB, REQUIRE_SANDBOX, Ctx, expect, grade, statuses

# Patch the probe machinery so every call "returns" what a correct answer would look like
# — without computing anything, there is nothing correct to return.
PATCH_PROBE = """
import autograder.probe as _p
_orig = _p.Recorder.invoke
def _invoke(self, key, label, func, *args, **kwargs):
    return args[0] if args else None            # echo the input back as "the result"
_p.Recorder.invoke = _invoke
_p.Captured.fail = lambda self, key, message: None
"""

# Replace every item's probe with one that claims success flags and reports the inputs.
REPLACE_PROBES = """
import numpy as _np
import autograder.probes.activations as _pa
def _forged(rec, case):
    for key in ("y", "dx", "x_after", "x_after_forward", "x_after_backward", "alpha_after", "res"):
        rec.keep(key, case["x"])
for _name in list(_pa.PROBES):
    _pa.PROBES[_name] = _forged
"""

# Import whatever checking code can be found and use it to fill in the answers.
IMPORT_CHECKING_CODE = """
_found = []
for _mod in ("autograder.reference.activations", "autograder.specs.activations", "autograder.checks",
             "autograder.gradcheck", "autograder.hints", "dnnbook.activations"):
    try:
        __import__(_mod)
        _found.append(_mod)
    except Exception:
        pass
import sys as _sys
_ref = _sys.modules.get("autograder.reference.activations") or _sys.modules.get("dnnbook.activations")
if _ref is not None:
    from autograder.gradcheck import numerical_gradient_array as _num
    for _n in ("relu", "sigmoid", "tanh", "softmax", "selu"):
        globals()[_n + "_forward"] = getattr(_ref, _n)
        globals()[_n + "_backward"] = (lambda f: lambda dout, x: _num(f, x.copy(), dout))(getattr(_ref, _n))
"""

# Search the file system for solution code and execute it.
SEARCH_FILES = """
import os as _os, json as _json
_skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/var", "/run")
_seen = 0
for _root in ("/", _os.path.expanduser("~"), _os.getcwd(), "/tmp"):
    for _dir, _dirs, _files in _os.walk(_root):
        _seen += len(_files)
        if _dir.startswith(_skip) or "site-packages" in _dir or _seen > 20000:
            _dirs[:] = []
            continue
        for _f in _files:
            if _f.endswith((".ipynb", ".py")):
                try:
                    _text = open(_os.path.join(_dir, _f)).read(2_000_000)
                except Exception:
                    continue
                if "def relu_backward" in _text and "NotImplementedError" not in _text:
                    try:
                        _src = "\\n".join("".join(c["source"]) for c in _json.loads(_text)["cells"]
                                          if c["cell_type"] == "code") if _f.endswith(".ipynb") else _text
                        exec(_src.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), globals())
                    except Exception:
                        pass
"""

# Write the results files directly (the runner's output folder is its second argument), claiming
# success, then stop the runner before it writes the real ones.
WRITE_RESULTS = """
import sys as _sys, os as _os, json as _json
import numpy as _np
_out = _sys.argv[-1] if len(_sys.argv) > 2 else None
if _out and _os.path.isdir(_out):
    _items = _os.path.join(_out, "items")
    _os.makedirs(_items, exist_ok=True)
    for _name in ("linear", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "prelu", "softmax"):
        _d = _os.path.join(_items, _name)
        _os.makedirs(_d, exist_ok=True)
        _meta = {f"c{i}/{k}": {"type": "array", "dtype": "float64", "shape": [3, 4]}
                 for i in range(8) for k in ("y", "dx", "x_after", "x_after_forward", "x_after_backward")}
        open(_os.path.join(_d, "arrays.bin"), "wb").write(bytes(96 * len(_meta)))
        _index = {k: ["<f8", [3, 4], 96 * i] for i, k in enumerate(_meta)}
        open(_os.path.join(_d, "meta.json"), "w").write(_json.dumps({"meta": _meta, "errors": {}, "arrays": _index}))
        open(_os.path.join(_items, _name + ".status.json"), "w").write(_json.dumps({"status": "ok", "seconds": 0}))
    open(_os.path.join(_out, "done.json"), "w").write(_json.dumps({"ok": True}))
    _os._exit(0)
"""

#: How a forger's run may end: its score is what matters (0 everywhere). Observed on a loaded
#: 2-core machine: the same forger ended "graded" in one run and "crashed" (killed by signal 9)
#: in another — the kill reasons belong to the sandbox's limits, not to this test.
ENDS = ("graded", "crashed", "timed out")

# student -> (code appended to the blank notebook's first answer cell, needs the bwrap sandbox,
#             expected status)
FORGERS = {
    "p_patch_probe": (PATCH_PROBE, False, ENDS),
    # keeps every (big) input as a result: the sandbox's output limit stops it
    "p_replace_probes": (REPLACE_PROBES, False, ENDS),
    "p_import_checking_code": (IMPORT_CHECKING_CODE, True, ENDS),
    # executes whatever it finds: how that ends depends on the files it meets; the score may not
    # (its code names nbgrader's solution markers, which makes the notebook "suspicious" too)
    "p_search_files": (SEARCH_FILES, True, ENDS + ("suspicious",)),
    # the runner's own results replace the forged files (the host reads only what it asked for)
    "p_write_results": (WRITE_RESULTS, False, ENDS),
}


# A backward that numerically differentiates the student's own (correct) forward, entry by entry,
# appended to the SOLUTION: right on small inputs, but the big case (300×500 entries: 3·10⁵
# forward calls) cannot finish within the item's time limit — relu loses its points, and only relu.
NUMDIFF = """
def relu_backward(dout, x):
    dx = np.zeros_like(x)
    flat, d = x.reshape(-1).copy(), dout.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + 1e-5
        plus = np.sum(relu_forward(flat.reshape(x.shape)).reshape(-1) * d)
        flat[i] = old - 1e-5
        minus = np.sum(relu_forward(flat.reshape(x.shape)).reshape(-1) * d)
        flat[i] = old
        dx.reshape(-1)[i] = (plus - minus) / 2e-5
    return dx
"""


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    return shared_once(tmp_path_factory, "forged-probe", _grade_forgers)


def _grade_forgers(folder):
    os.chmod(folder, 0o755)
    course_dir = course.make_course(folder, [A])
    ctx = Ctx(course_dir, 9, "0")
    course.submit(course_dir, "h_solution", A, NB, ctx.solved())
    course.submit(course_dir, "n_numdiff", A, NB, ctx.solved(extra={"answer_relu": NUMDIFF}))
    for student, (code, *_) in FORGERS.items():
        course.submit(course_dir, student, A, NB, course.fill(ctx.blank(), {}, {"answer_linear": code}))
    proc = grade(course_dir, course_dir / "submitted", out=folder / "out")
    return {"scores": course.scores(course_dir, A), "status": statuses(folder / "out"),
            "stderr": proc.stderr[-3000:], "sandboxed": "sandbox: bubblewrap" in proc.stderr}


def test_honest_control_keeps_full_marks(forged):
    assert forged["scores"]["h_solution"] == expect(), forged["stderr"]


def test_numerically_differentiating_backward_loses_its_points(forged):
    assert forged["scores"]["n_numdiff"] == expect("relu"), forged["status"].get("n_numdiff")
    assert forged["status"]["n_numdiff"]["status"] == "timed out", forged["status"]["n_numdiff"]


@pytest.mark.parametrize("student", sorted(FORGERS))
def test_forged_probe_scores_zero(forged, student):
    if FORGERS[student][1] and not forged["sandboxed"]:
        if REQUIRE_SANDBOX:
            pytest.fail("REQUIRE_SANDBOX=1 but bubblewrap is unavailable")
        pytest.skip("without bubblewrap the repository is readable (the degraded mode's known limit)")
    assert forged["scores"][student] == expect(total_zero=True), forged["status"].get(student)
    assert forged["status"][student]["status"] in FORGERS[student][2], forged["status"][student]
