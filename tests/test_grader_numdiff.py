"""Issue 21 §4 and §5 through the real grader (``python -m autograder.grade``).

§4 — a backward that differentiates the learner's own forward numerically: the probe records it
(:class:`autograder.probe.ShiftWatch`), the grader gives the submission the status "flagged"
("backward evaluates the forward at shifted inputs") in the CSV, the log and the summary; where a
wide hidden case applies (softmax, Affine) such a backward runs out of time and loses the item's
points. The honest solution is neither flagged nor loses a point.

§5 — what the learner's code can make the probe record (a structured dtype's field names, a class
that claims to live in ``numpy``, and the free-text fields ``dtype``, ``shape``, ``len`` of the
recorded tree, rewritten in the probe's process) never reaches the feedback: every field is
checked against a closed set on the host and replaced by fixed words otherwise.

Two runs (activations, two_layer_net) of a few students each; reuses ``test_grader``'s helpers.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import course
from conftest import shared_once
from test_grader import A, CELL_TIMEOUT, NB, SEED, grade, statuses
from test_numdiff_flag import ELEMENTWISE, ENTRYWISE

SHIFTED = "backward evaluates the forward at shifted inputs"
MARK = "QQFIELDLEAKQQ"

# -- activations ---------------------------------------------------------------------------
#: Element-wise: 2 forward calls — nothing can make it slow; only the flag tells.
V_RELU = ELEMENTWISE + """
def relu_backward(dout, x):
    return _vec(relu_forward, x, dout)
"""
#: Softmax column by column: 2·C forward calls — the wide hidden case (C = 25 000) runs out of time.
V_SOFTMAX = ELEMENTWISE + """
def softmax_backward(dout, x):
    return _by_column(softmax_forward, x, dout)
"""

#: §5: a structured dtype whose field name carries a hidden input.
K_STRUCT_DTYPE = f"""
def sigmoid_backward(dout, x):
    name = {MARK!r} + str(int(abs(x.flat[0]) * 1e9))
    return np.zeros(x.shape, dtype=[(name, "f8")])
"""
#: §5: a returned object whose class claims to live in numpy, named after a hidden input.
K_NUMPY_CLASS = f"""
def tanh_backward(dout, x):
    cls = type({MARK!r} + str(int(abs(x.flat[0]) * 1e9)), (), {{}})
    cls.__module__ = "numpy"
    return cls()
"""


def _forge(key_end, fields):
    """The learner's code rewrites what the probe records under keys ending in ``key_end``."""
    return f"""
import autograder.probe as _p
_LAST = {{}}
_keep = _p.Captured.keep
def _forged_keep(self, key, value, depth=0):
    _keep(self, key, value, depth)
    if key.endswith({key_end!r}) and "x" in _LAST:
        secret = {MARK!r} + repr(float(_LAST["x"].flat[0]))
        self.meta[key].update({fields})
        _LAST.clear()
_p.Captured.keep = _forged_keep
"""


def _remember(fn, args):
    """``fn`` wrapped so that it remembers the ``x`` it was called with (for the forgers)."""
    return f"""
_orig_{fn} = {fn}
def {fn}({args}):
    _LAST["x"] = x.copy()
    return _orig_{fn}({args})
"""


K_DTYPE = _forge("/dx", "{'dtype': secret}") + _remember("relu_backward", "dout, x")
K_SHAPE = _forge("/dx", "{'shape': [secret, 3]}") + _remember("leaky_relu_backward", "dout, x, a")
K_LEN = _forge("/res", "{'type': 'tuple', 'len': secret}") + _remember("prelu_backward", "dout, x, alpha")
K_CLASS = _forge("/dx", "{'type': 'other', 'class': 'numpy.' + secret}") + _remember("elu_backward", "dout, x, alpha")

# student -> (answer cell, code appended to it, expected status, items that lose their points)
ACTIVATIONS = {
    "h_solution": (None, "", "graded", ()),
    "v_relu": ("answer_relu", V_RELU, "flagged", ()),
    "v_softmax": ("answer_softmax", V_SOFTMAX, "timed out", ("softmax",)),
    "k_struct_dtype": ("answer_sigmoid", K_STRUCT_DTYPE, "graded", ("sigmoid",)),
    "k_numpy_class": ("answer_tanh", K_NUMPY_CLASS, "graded", ("tanh",)),
    "k_dtype": ("answer_relu", K_DTYPE, "graded", ("relu",)),
    "k_shape": ("answer_leaky_relu", K_SHAPE, "graded", ("leaky_relu",)),
    "k_len": ("answer_prelu", K_LEN, "graded", ("prelu",)),
    "k_class": ("answer_elu", K_CLASS, "graded", ("elu",)),
}

# -- two_layer_net -------------------------------------------------------------------------
T = "two_layer_net"
TNB = "two_layer_net.ipynb"
#: Affine's backward by groups: 4·D forward calls — the wide hidden case (D = 10 000) runs out of
#: time; ``train`` (sgd) calls it thousands of times and runs out of time too.
V_AFFINE = ENTRYWISE + ELEMENTWISE + """
def _affine_backward(self, dout):
    x = self.x
    self.db = dout.sum(axis=0) * 0 + _numgrad(lambda: np.sum(self.forward(x) * dout), self.b)
    W = self.W
    dW = np.zeros_like(W)
    for d in range(W.shape[0]):          # row d of W: its columns touch different outputs
        up, down = W.copy(), W.copy()
        up[d] += 1e-5
        down[d] -= 1e-5
        self.W = up
        fp = self.forward(x) * dout
        self.W = down
        fm = self.forward(x) * dout
        dW[d] = (fp - fm).sum(axis=0) / 2e-5
    self.W = W
    self.dW = dW
    dx = _by_column(self.forward, x.copy(), dout)
    self.x = x
    return dx
Affine.backward = _affine_backward
"""
#: The Relu layer element-wise: 2 forward calls; only the flag tells.
V_RELU_LAYER = ELEMENTWISE + """
_relu_forward = Relu.forward
def _relu_keep(self, x):
    self.x_in = x
    return _relu_forward(self, x)
def _relu_backward(self, dout):
    return _vec(Relu().forward, self.x_in, dout)
Relu.forward, Relu.backward = _relu_keep, _relu_backward
"""
#: v_affine spends a whole item limit in two items (affine, sgd): more wall clock than WALL on a
#: busy machine.
TWO_LAYER_WALL = 120
TWO_LAYER = {
    "h_solution": (None, "", "graded", ()),
    "v_relu_layer": ("answer_relu_layer", V_RELU_LAYER, "flagged", ()),
    "v_affine": ("answer_affine", V_AFFINE, "timed out", ("affine", "sgd")),
}


def _run(folder, assignment, notebook, students):
    course_dir = course.make_course(folder, [assignment])
    answers = course.solution_sources(assignment, notebook)
    blank = course.released(course_dir, assignment, notebook)
    for student, (cell, code, *_) in students.items():
        extra = {cell: code} if cell else None
        course.submit(course_dir, student, assignment, notebook, course.fill(blank, answers, extra))
    out = folder / "out"
    if assignment == A:
        proc = grade(course_dir, course_dir / "submitted", out=out)
    else:
        proc = subprocess.run(
            [sys.executable, "-m", "autograder.grade", assignment, str(course_dir / "submitted"),
             "--course", str(course_dir), "--seed", str(SEED), "--workers", "2", "--timeout", str(TWO_LAYER_WALL),
             "--cell-timeout", str(CELL_TIMEOUT), "--no-progress", "--out", str(out)],
            cwd=course_dir, env=course.nbgrader_env(), capture_output=True, text=True, timeout=1800)
    feedback = {s: (out / "feedback" / f"{s}.html").read_text() for s in students}
    return {"scores": course.scores(course_dir, assignment), "status": statuses(out),
            "csv": (out / "grades.csv").read_text(), "log": (out / "log.txt").read_text(errors="replace"),
            "summary": (out / "summary.html").read_text(), "feedback": feedback,
            "stderr": proc.stderr[-3000:]}


@pytest.fixture(scope="module")
def act(tmp_path_factory):
    def produce(folder):
        os.chmod(folder, 0o755)
        return _run(folder, A, NB, ACTIVATIONS)
    return shared_once(tmp_path_factory, "grader-numdiff-activations", produce)


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    def produce(folder):
        os.chmod(folder, 0o755)
        return _run(folder, T, TNB, TWO_LAYER)
    return shared_once(tmp_path_factory, "grader-numdiff-two-layer", produce)


def _expect(assignment, lost):
    points = course.max_points(assignment)
    return {g: (0.0 if g[len("test_"):] in lost else p) for g, p in points.items()}


@pytest.mark.parametrize("student", sorted(ACTIVATIONS))
def test_activations_scores_and_status(act, student):
    _, _, status, lost = ACTIVATIONS[student]
    assert act["scores"][student] == _expect(A, lost), (act["status"].get(student), act["stderr"])
    assert act["status"][student]["status"] == status, act["status"][student]


@pytest.mark.parametrize("student", sorted(TWO_LAYER))
def test_two_layer_net_scores_and_status(two, student):
    _, _, status, lost = TWO_LAYER[student]
    assert two["scores"][student] == _expect(T, lost), (two["status"].get(student), two["stderr"])
    assert two["status"][student]["status"] == status, two["status"][student]


def test_flag_reaches_the_instructor(act, two):
    """The flag is in the CSV's reason column, the log and the class summary, naming the item;
    the honest solution's row says nothing of it."""
    for run, student, item in ((act, "v_relu", "relu"), (two, "v_relu_layer", "relu_layer")):
        assert run["status"][student]["reason"] == f"{item}: {SHIFTED}", run["status"][student]
        assert f"{item}: {SHIFTED}" in run["log"]
        assert f"{item}: {SHIFTED}" in run["summary"]
        assert "needs a look" in run["summary"]
        assert SHIFTED not in run["status"]["h_solution"]["reason"]


def test_recorded_fields_never_leak(act):
    """Field names of a structured dtype, a class claiming to live in numpy, and forged dtype,
    shape, len and class texts: none reaches the feedback, the CSV, the log or the summary; each
    is shown as fixed words."""
    for student in ("k_struct_dtype", "k_numpy_class", "k_dtype", "k_shape", "k_len", "k_class"):
        for text in (act["feedback"][student], act["csv"], act["log"], act["summary"]):
            assert MARK not in text, student
    fb = act["feedback"]
    assert "has dtype void" in fb["k_struct_dtype"]
    assert "value of your own type" in fb["k_numpy_class"]
    assert "value of your own type" in fb["k_class"]
    assert "has dtype an unexpected dtype" in fb["k_dtype"]
    assert "has the wrong shape" in fb["k_shape"]
    assert "of an unreadable length" in fb["k_len"]
