"""The batch grader (``python -m autograder.grade``) against hostile and broken submissions.

ONE module-scoped run of the real CLI grades a class of the ``activations`` assignment made of
honest submissions (solution, a known mutant, the blank release) and one submission per attack
or fault case of ``shared/research/security.md`` §6: notebook tampering, runtime tampering with
the checks, rigged return values, sandbox escapes (reading/writing/deleting files, network,
daemons), resource abuse (loops, signals, crashes, memory, fork bombs, output, disk) and broken
input files. Every student's status and per-cell scores are asserted exactly. The same batch is
then regraded (scores must not change), the honest students are compared with a run that has no
adversaries, and a student first graded correct is regraded with a crashing notebook (no stale
score).

Issue 7 (host side) adds: a hostile output folder (``o_*``: FIFOs, links to ``/dev/zero`` and to
host files, a zip bomb, lying ``.npy`` headers, object dtypes, duplicate zip members, deep or huge
JSON, results too large to save, a 4,000-deep tree with locked folders), the whole submission
bounded (``m_*``: forked processes over the memory cgroup; ``c_*``: every timer ignored or
disarmed, a sleeping cell, CPU-burning children), cost (``n_many_cells``: 10,000 cells), hidden
feedback without student text (``l_*``) and unusable student ids (``i_*``). Every case's status
and per-cell scores are checked in the gradebook, ``grades.csv`` and the feedback; the grader's
own peak RSS (VmHWM of the CLI process) must stay under 500 MB; its TMPDIR must end empty and no
cgroup or process may outlive a run. Flat folders, zips and the machine under load:
``test_grader_host.py``.

Cases whose outcome depends on the bubblewrap sandbox are skipped when it is unavailable, unless
``REQUIRE_SANDBOX=1`` (then they fail).
"""
from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course
from conftest import shared_once

A = "activations"
NB = "activations.ipynb"
SEED = 12345
CELL_TIMEOUT = 5            # seconds per cell / per item probe (o_huge_result's relu needs ~3 s of
#                             CPU under load: with 3 s it timed out in one run of two)
WALL = 20                   # seconds per submission
SOLUTIONS_FILE = course.REPO / "solutions" / A / NB
REPO_MARKER = course.REPO / ".grader-test-escape"      # must never be created
REQUIRE_SANDBOX = os.environ.get("REQUIRE_SANDBOX") == "1"
HOST_TMP: Path | None = None        # the grader's TMPDIR during the module's runs (must end empty)

POINTS = course.max_points(A)
ANSWERS = course.solution_sources(A, NB)

# Wrong implementations (from tests/mutants/activations.py) used by the cheating cases: a cheat
# that worked would turn them into passes.
from mutants.activations import MUTANTS  # noqa: E402

WRONG = {
    "relu": MUTANTS["relu_backward mask from dout"][1],
    "softmax": MUTANTS["softmax_backward diagonal only"][1],
    "tanh": MUTANTS["tanh_backward sign flipped"][1],
    "sigmoid": MUTANTS["sigmoid_backward missing (1 - s)"][1],
    "elu": MUTANTS["elu_backward forgets alpha"][1],
}


from autograder.grade.collect import safe_id  # noqa: E402


def expect(*lost, total_zero=False):
    """Expected per-cell scores: full points except the items in ``lost`` (or all zero)."""
    return {g: (0.0 if total_zero or g[len("test_"):] in lost else p) for g, p in POINTS.items()}


# --------------------------------------------------------------------------- notebook builders
class Ctx:
    """What the builders need: the course dir, a port listening on the host, a marker tag."""

    def __init__(self, course_dir, port, tag):
        self.course, self.port, self.tag = course_dir, port, tag

    def blank(self):
        return course.released(self.course, A, NB)

    def solved(self, extra=None, answers=None):
        return course.fill(self.blank(), dict(ANSWERS, **(answers or {})), extra)

    def wrong(self, *items, extra=None):
        """Solution with the WRONG version of ``items`` appended to their answer cells, then
        ``extra`` appended (extra may target the same cells)."""
        ans = dict(ANSWERS)
        for it in items:
            ans[f"answer_{it}"] = ans[f"answer_{it}"].rstrip("\n") + "\n\n" + WRONG[it].strip("\n") + "\n"
        return course.fill(self.blank(), ans, extra)


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _if_failed(flag_expr, *items):
    """Code that installs the wrong ``items`` unless ``flag_expr`` is true (an escape worked)."""
    src = "\n".join(WRONG[i] for i in items)
    return f"if not ({flag_expr}):\n    exec({src!r}, globals())\n"


# -- notebook tampering --------------------------------------------------------------------
def t_edit_test(c):
    nb = c.wrong("relu")
    _cell(nb, "test_relu").source = '# check("relu")\nprint("passed")'
    return nb


def t_markdown(c):
    nb = c.wrong("relu")
    cell = _cell(nb, "test_relu")
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def t_points(c):
    nb = c.wrong("relu")
    _cell(nb, "test_softmax").metadata["nbgrader"]["points"] = 100
    _cell(nb, "test_relu").metadata["nbgrader"]["points"] = 0
    return nb


def t_grade_id(c):
    nb = c.wrong("relu")
    _cell(nb, "test_relu").metadata["nbgrader"]["grade_id"] = "test_relu_renamed"
    return nb


def t_delete(c):
    nb = c.wrong("relu")
    nb.cells.remove(_cell(nb, "test_relu"))
    return nb


def t_delete_correct(c):
    nb = c.solved()
    nb.cells.remove(_cell(nb, "test_softmax"))
    return nb


def t_grade_id_correct(c):
    nb = c.solved()
    _cell(nb, "test_tanh").metadata["nbgrader"]["grade_id"] = "test_tanh_renamed"
    return nb


def t_markdown_correct(c):
    nb = c.solved()
    cell = _cell(nb, "test_sigmoid")
    nb.cells[nb.cells.index(cell)] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def t_fake_grade_cell(c):
    # A cell of the student's own, marked as a 100-point graded test: worth nothing.
    nb = c.wrong("relu")
    nb.cells.append(nbformat.v4.new_code_cell("print('passed')", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 100, "grade_id": "test_bonus",
        "schema_version": 3}}))
    return nb


def t_duplicate(c):
    nb = c.wrong("softmax")
    cell = _cell(nb, "test_softmax")
    copy = nbformat.v4.new_code_cell(cell.source, metadata=nbformat.from_dict(
        {"nbgrader": dict(cell.metadata["nbgrader"])}))
    nb.cells.insert(nb.cells.index(cell), copy)
    return nb


def t_outputs(c):
    nb = c.wrong("relu", "softmax")
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="relu: all checks passed\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    return nb


def t_kernelspec(c):
    nb = c.wrong("relu")
    nb.metadata["kernelspec"] = {"name": "evil", "display_name": "Evil", "language": "python"}
    return nb


# -- runtime tampering -------------------------------------------------------------------
def r_redef_check(c):
    return c.wrong("relu", extra={"answer_relu": "check = lambda *a, **k: print('passed')\n"
                                                 "load_checks = lambda *a, **k: check\n"})


def r_redef_allclose(c):
    return c.wrong("relu", "softmax", extra={"answer_relu": (
        "np.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n")})


def r_redef_verify(c):
    return c.wrong("relu", extra={"answer_relu": (
        "import autograder.checks as _C, autograder.gradcheck as _G, autograder\n"
        "class _R:\n    passed = True\n    item = 'x'\n    def text(self, values=True): return 'all passed'\n"
        "_C.verify = lambda *a, **k: _R()\n"
        "_G.max_relative_error = lambda *a, **k: 0.0\n"
        "_G.relative_error = lambda a, b: np.zeros(np.shape(a))\n"
        "_C.relative_error = _G.relative_error\n"
        "_C.Report.passed = property(lambda self: True)\n")})


def r_subclass(c):
    return c.wrong(extra={"answer_relu": (
        "class _Rigged(np.ndarray):\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def __array__(self, *a, **k): return np.zeros(self.shape)\n"
        "def relu_backward(dout, x):\n"
        "    return np.zeros_like(x).view(_Rigged)\n")})


def r_rigged_object(c):
    return c.wrong(extra={"answer_softmax": (
        "class _Any(float):\n"
        "    def __eq__(self, o): return True\n"
        "    def __lt__(self, o): return True\n"
        "    def __le__(self, o): return True\n"
        "    def __gt__(self, o): return False\n"
        "    def __abs__(self): return _Any(0.0)\n"
        "    def __sub__(self, o): return _Any(0.0)\n"
        "    __rsub__ = __sub__\n"
        "    def __float__(self): return 0.0\n"
        "def softmax_backward(dout, x):\n"
        "    return _Any(0.0)\n")})


def r_float32_list(c):
    return c.wrong(extra={
        "answer_sigmoid": "_s = sigmoid_forward\ndef sigmoid_forward(x):\n    return _s(x).astype(np.float32)\n",
        "answer_tanh": "def tanh_forward(x):\n    return np.tanh(x).tolist()\n"})


def r_input_transformer(c):
    # Every later cell would run as `pass`: the answer cells after relu never define anything.
    return c.wrong("relu", extra={"answer_relu":
                                  "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])\n"})


def r_showtraceback(c):
    return c.wrong("relu", extra={"answer_relu": (
        "ip = get_ipython()\n"
        "ip.showtraceback = lambda *a, **k: None\n"
        "ip.set_custom_exc((BaseException,), lambda self, etype, value, tb, tb_offset=None: None)\n")})


def r_stderr_warnings(c):
    return c.solved(extra={
        "answer_sigmoid": ("def sigmoid_forward(x):\n    return 1.0 / (1.0 + np.exp(-x))\n"
                           "def sigmoid_backward(dout, x):\n    s = 1.0 / (1.0 + np.exp(-x))\n"
                           "    return dout * s * (1 - s)\n"
                           "import sys, warnings\n"
                           "sigmoid_forward(np.array([-1000.0]))\n"
                           "print('Traceback (most recent call last): error', file=sys.stderr)\n"
                           "warnings.warn('look, a warning')\n")})


# -- escaping the sandbox ------------------------------------------------------------------
_TRY = ("def _ok(f):\n    try:\n        f()\n        return True\n    except BaseException:\n"
        "        return False\n")


def s_read_files(c):
    gb, other = c.course / "gradebook.db", c.course / "submitted" / "h_solution" / A / NB
    code = (_TRY
            + "import os\n"
            + f"_sol = _ok(lambda: open({str(SOLUTIONS_FILE)!r}).read())\n"
            + f"_gb = _ok(lambda: open({str(gb)!r}, 'rb').read())\n"
            + f"_other = _ok(lambda: open({str(other)!r}).read())\n"
            + f"_csol = _ok(lambda: open({str(c.course / 'solutions' / A / NB)!r}).read())\n"
            + f"_root = _ok(lambda: os.listdir({str(c.course)!r})) or os.path.exists({str(course.REPO / 'README.md')!r})\n"
            + _if_failed("_sol", "relu") + _if_failed("_gb", "softmax") + _if_failed("_other", "tanh")
            + _if_failed("_root", "sigmoid") + _if_failed("_csol", "elu"))
    return c.solved(extra={"answer_softmax": code})


def s_write_files(c):
    code = (_TRY
            + "import sqlite3\n"
            + f"_w1 = _ok(lambda: open({str(c.course / 'gradebook.db')!r}, 'ab').write(b'garbage'))\n"
            + f"_w2 = _ok(lambda: sqlite3.connect({str(c.course / 'gradebook.db')!r}).execute('DELETE FROM grade'))\n"
            + f"_w3 = _ok(lambda: open({str(c.course / 'pwned')!r}, 'w').write('x'))\n"
            + f"_w4 = _ok(lambda: open({str(REPO_MARKER)!r}, 'w').write('x'))\n"
            + f"_w5 = _ok(lambda: open({str(c.course / 'submitted' / 'h_solution' / A / NB)!r}, 'a').write('x'))\n"
            + "_w6 = _ok(lambda: open('/sandbox/lib/autograder/checks.py', 'a').write('x'))\n"
            # _w4 is judged on the host only (test_nothing_escaped): when the repository lives
            # under /tmp, the sandbox's private /tmp holds the parents of the Python it binds, so
            # that write lands in the sandbox's own throw-away tmpfs, not in the repository
            + _if_failed("_w1 or _w2 or _w3 or _w5 or _w6", "relu"))
    return c.solved(extra={"answer_softmax": code})


def s_rmtree(c):
    code = ("import shutil, os\n"
            f"for _p in (os.path.expanduser('~'), {str(c.course / 'decoy')!r}, {str(c.course)!r},\n"
            "           '/sandbox/lib', '/sandbox/in', '/usr/lib/python3'):\n"
            "    shutil.rmtree(_p, ignore_errors=True)\n")
    return c.solved(extra={"answer_linear": code})


def s_network(c):
    code = (_TRY + "import socket\n"
            + f"_n1 = _ok(lambda: socket.create_connection(('127.0.0.1', {c.port}), timeout=2).sendall(b'leak'))\n"
            + "_n2 = _ok(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2))\n"
            + "_n3 = _ok(lambda: socket.getaddrinfo('example.com', 80))\n"
            + _if_failed("_n1 or _n2 or _n3", "relu"))
    return c.solved(extra={"answer_softmax": code})


def s_daemon(c):
    code = ("import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            f"        os.execv('/bin/sleep', ['sleep', '{c.tag}.1'])\n"
            "    os._exit(0)\n"
            "time.sleep(0.5)\n")
    return c.solved(extra={"answer_linear": code})


def s_dev_fill(c):
    # RAM-backed folders (bwrap's /dev, /dev/shm, /tmp): at most a small tmpfs each, /dev read-only.
    code = ("_chunk = b'\\2' * (1 << 20)\n_total = 0\n"
            "for _d in ('/dev', '/dev/shm', '/tmp'):\n"
            "    for _k in range(10):\n"
            "        try:\n            with open(f'{_d}/fill{_k}', 'wb') as _f:\n"
            "                for _i in range(15):\n                    _f.write(_chunk)\n"
            "                    _total += len(_chunk)\n"
            "        except OSError:\n            break\n"
            "print('wrote', _total >> 20, 'MiB')\n"
            + _if_failed("_total <= (160 << 20)", "relu"))
    return c.solved(extra={"answer_linear": code})


# -- resources -------------------------------------------------------------------------------
def f_loop_top(c):
    nb = c.solved()
    cell = _cell(nb, "answer_relu")
    cell.source = "while True:\n    pass\n" + cell.source          # relu never gets defined
    return nb


def f_sigalrm_ignore(c):
    return c.solved(extra={"answer_linear": ("import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                             "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                             "while True:\n    pass\n")})


def f_loop_in_function(c):
    return c.solved(extra={"answer_relu": "def relu_backward(dout, x):\n    while True:\n        pass\n"})


def f_exit(c):
    return c.solved(extra={"answer_relu": "import os\nos._exit(1)\n"})


def f_segfault(c):
    return c.solved(extra={"answer_relu": "import ctypes\nctypes.string_at(0)\n"})


def f_memory(c):
    nb = c.solved()
    cell = _cell(nb, "answer_relu")
    cell.source = "_big = np.ones((1 << 14,) * 3)\n" + cell.source       # relu never gets defined
    return nb


def f_forkbomb(c):
    code = ("import os\n_n = 0\n"
            "for _i in range(500):\n"
            "    try:\n        _pid = os.fork()\n    except OSError:\n        break\n"
            "    if _pid == 0:\n"
            f"        os.execv('/bin/sleep', ['sleep', '{c.tag}.2'])\n"
            "    _n += 1\n"
            "print('forked', _n)\n")
    return c.solved(extra={"answer_linear": code})


def f_stdout(c):
    return c.solved(extra={"answer_linear": "_l = 'x' * 999\nfor _i in range(50_000):\n    print(_l)\n"})


def f_disk(c):
    code = ("_chunk = b'\\0' * (1 << 20)\n"
            "for _path in ('big.bin', '/tmp/big.bin'):\n"
            "    try:\n        with open(_path, 'wb') as _f:\n"
            "            for _i in range(1024):\n                _f.write(_chunk)\n"
            "    except OSError as _e:\n        print('stopped:', _e)\n")
    return c.solved(extra={"answer_linear": code})


def f_disk_many(c):
    # Many files, each under RLIMIT_FSIZE, together over the out-folder cap: killed.
    code = ("import time\n_chunk = b'\\1' * (1 << 20)\n"
            "for _k in range(8):\n    with open(f'part{_k}.bin', 'wb') as _f:\n"
            "        for _i in range(15):\n            _f.write(_chunk)\n"
            "time.sleep(30)\n")
    return c.solved(extra={"answer_linear": code})


def f_hardcode(c):
    from autograder.checks import draw_cases
    from autograder.reference import activations as ref
    from autograder.specs.activations import ITEMS
    case = draw_cases(ITEMS["relu"])[0]
    x, dout = case["x"], case["dout"]
    y = ref.relu(x)
    dx = np.where(x > 0, dout, 0.0)
    code = (f"_VX = np.array({x.tolist()!r})\n_VY = np.array({y.tolist()!r})\n"
            f"_VD = np.array({dx.tolist()!r})\n"
            "def relu_forward(x):\n    return _VY.copy()\n"
            "def relu_backward(dout, x):\n    return _VD.copy()\n")
    return c.solved(extra={"answer_relu": code})


def l_kink_values(c):
    # Wrong only at the kink: the failure text must not reveal the hidden slope `a`.
    return c.solved(extra={"answer_leaky_relu": (
        "def leaky_relu_backward(dout, x, a):\n"
        "    return dout * np.where(x > 0, 1.0, np.where(x < 0, a, 7.0))\n")})


def l_exception_values(c):
    # The student's own exception message prints the hidden input.
    return c.solved(extra={"answer_relu": (
        "def relu_forward(x):\n    raise ValueError(repr(x) + ' ' + ' '.join(map(str, x.ravel())))\n")})


def x_reference_cheat(c):
    # The reference forward and the gradient checker ship with the course, but not into the
    # sandbox: importing them there fails, and the wrong answer stays wrong.
    return c.wrong("relu", extra={"answer_relu": (
        "from autograder.reference import activations as _ref\n"
        "from autograder.gradcheck import numerical_gradient_array as _num\n"
        "def relu_backward(dout, x):\n    return _num(_ref.relu, x.copy(), dout)\n")})


# -- the sandbox's output folder (issue 7, class 1): the host must not trust it ---------------
def _sabotage(c, code):
    """Correct solution whose softmax_forward, on its first call (while the host's probe of
    softmax runs, after relu's results were written), runs ``code`` in the output folder."""
    body = "\n".join("            " + line for line in code.strip("\n").splitlines())
    return c.solved(extra={"answer_softmax": (
        "_sab = [False]\n_softmax_real = softmax_forward\n"
        "def softmax_forward(x):\n"
        "    if not _sab[0]:\n"
        "        _sab[0] = True\n"
        "        try:\n"
        "            import os, numpy as _np\n"
        f"{body}\n"
        "        except Exception as _e:\n"
        "            print('sabotage failed', _e)\n"
        "    return _softmax_real(x)\n")})


def o_fifo_meta(c):
    return _sabotage(c, "os.remove('items/relu/meta.json')\nos.mkfifo('items/relu/meta.json')")


def o_fifo_arrays(c):
    return _sabotage(c, "os.remove('items/relu/arrays.bin')\nos.mkfifo('items/relu/arrays.bin')")


def o_fifo_status(c):
    return _sabotage(c, "os.remove('items/relu.status.json')\nos.mkfifo('items/relu.status.json')")


def o_fifo_cells(c):
    # the per-cell log replaced by a FIFO: the host must not block on it (every item still counts)
    return _sabotage(c, "os.remove('cells.jsonl')\nos.mkfifo('cells.jsonl')")


def o_dev_zero(c):
    return _sabotage(c, "os.remove('items/relu/arrays.bin')\nos.symlink('/dev/zero', 'items/relu/arrays.bin')")


def o_link_host_file(c):
    return _sabotage(c, "os.remove('items/relu/meta.json')\nos.symlink('/etc/passwd', 'items/relu/meta.json')")


def o_link_folder(c):
    # the item's folder replaced by a link to a folder holding a (correct) copy of its files
    return _sabotage(c, "import shutil\nshutil.copytree('items/relu', '/tmp/relu_copy')\n"
                        "shutil.rmtree('items/relu')\nos.symlink('/tmp/relu_copy', 'items/relu')")


def o_items_link(c):
    # before any result is written, the whole items/ folder becomes a link: nothing is read
    code = ("import os\nos.makedirs('/tmp/items_elsewhere', exist_ok=True)\n"
            "os.rmdir('items')\nos.symlink('/tmp/items_elsewhere', 'items')\n")
    return c.solved(extra={"answer_linear": code})


def _reindex(c, code):
    """Sabotage that rewrites relu's index of arrays (``meta.json``'s ``arrays``) with ``code``
    (``_ix``: the index, a dict); the arrays' bytes are left as they are."""
    return _sabotage(c, "import json as _j\n_m = _j.load(open('items/relu/meta.json'))\n_ix = _m['arrays']\n"
                        + code + "\nopen('items/relu/meta.json', 'w').write(_j.dumps(_m))")


def o_index_lies(c):
    # the index claims a 512 MiB array in a file of a few MB: refused before anything is copied
    return _reindex(c, "_ix['c0/dx'] = ['<f8', [64 << 20], 0]")


def o_index_huge(c):
    # 10^12 float64s claimed: refused before any array is built
    return _reindex(c, "_ix['c0/dx'] = ['<f8', [10 ** 12], 0]")


def o_object_dtype(c):
    return _reindex(c, "_ix['c0/dx'] = ['|O', [3], 0]")


def o_overlapping_arrays(c):
    # every name pointing at the same bytes (a correct-looking array copied thousands of times):
    # refused, the arrays together may not be larger than the file
    return _reindex(c, "_first = _ix['c0/dx']\nfor _i in range(4000):\n    _ix[f'c0/copy{_i}'] = _first")


def o_json_deep(c):
    return _sabotage(c, "open('items/relu/meta.json', 'w').write('[' * 200000 + ']' * 200000)")


def o_json_huge(c):
    return _sabotage(c, "open('items/relu/meta.json', 'w').write('{\"meta\": {}, \"errors\": {}}' + ' ' * (12 << 20))")


def o_huge_result(c):
    # a result far over the file-size limit: it cannot be recorded, the item scores 0
    return c.solved(extra={"answer_relu": "def relu_backward(dout, x):\n    return np.zeros(50_000_000)\n"})


def o_deep_tree(c):
    # a folder tree far deeper than Python's recursion limit, with locked folders: clean-up
    # must still remove the job folder (hidden inputs included) and grade normally
    code = ("import os\n_d = os.open('.', os.O_RDONLY)\n"
            "for _i in range(4000):\n"
            "    os.mkdir('d', dir_fd=_d)\n"
            "    _n = os.open('d', os.O_RDONLY, dir_fd=_d)\n"
            "    os.close(_d)\n    _d = _n\n"
            "os.close(_d)\n"
            "os.makedirs('locked/inner', exist_ok=True)\nopen('locked/inner/f', 'w').write('x')\n"
            "os.chmod('locked/inner', 0)\nos.chmod('locked', 0)\n")
    return c.solved(extra={"answer_linear": code})


# -- memory, CPU, cost (classes 2, 8, 9) -------------------------------------------------------
def m_fork_memory(c):
    # four processes of 800 MB each: every one under the per-process limit, together over the
    # submission's 2 GiB. The memory cgroup stops them; the notebook itself goes on.
    code = ("import os, time\n_kids = []\n"
            "for _k in range(4):\n"
            "    _pid = os.fork()\n"
            "    if _pid == 0:\n"
            "        _a = np.ones(100_000_000)\n        time.sleep(3)\n        os._exit(0)\n"
            "    _kids.append(_pid)\n"
            "for _pid in _kids:\n    os.waitpid(_pid, 0)\n")
    return c.solved(extra={"answer_linear": code})


def c_sigprof_ignore(c):
    # every per-cell timer ignored: the submission's CPU budget (not the wall clock) stops it
    return c.solved(extra={"answer_linear": (
        "import signal\nfor _s in (signal.SIGALRM, signal.SIGPROF, signal.SIGXCPU, signal.SIGINT):\n"
        "    signal.signal(_s, signal.SIG_IGN)\n"
        "while True:\n    pass\n")})


def c_timer_reset(c):
    # the cell's CPU timer disarmed from inside the cell, then a loop
    return c.solved(extra={"answer_linear": (
        "import signal\nsignal.setitimer(signal.ITIMER_PROF, 0)\nsignal.setitimer(signal.ITIMER_REAL, 0)\n"
        "while True:\n    pass\n")})


def c_sleep_cell(c):
    # no CPU used at all: only the generous wall-clock backstop of the cell stops it
    return c.solved(extra={"answer_linear": "import time\ntime.sleep(3600)\n"})


def c_fork_spinners(c):
    # CPU-burning children left behind: they die with the sandbox, the notebook is graded
    code = ("import os\nfor _k in range(3):\n"
            "    if os.fork() == 0:\n"
            f"        os.execv('/bin/sh', ['sh', '-c', 'while :; do :; done', '{c.tag}.3'])\n")
    return c.solved(extra={"answer_linear": code})


def n_many_cells(c):
    nb = c.solved()
    nb.cells.extend(nbformat.v4.new_code_cell(f"_v{i} = {i}") for i in range(10_000))
    return nb


# -- what hidden feedback may show (class 6) ----------------------------------------------------
LEAK_MARK = "QQLEAKQQ"


def l_exception_ints(c):
    return c.solved(extra={"answer_relu": (
        "def relu_forward(x):\n"
        f"    raise ValueError({LEAK_MARK!r} + ' '.join(str(int(v * 1e6)) for v in x.ravel()) + hex(int(abs(x.flat[0]) * 1e9)))\n")})


def l_exception_class(c):
    return c.solved(extra={"answer_relu": (
        f"class {LEAK_MARK}_1234567(Exception):\n    pass\n"
        "def relu_backward(dout, x):\n"
        f"    raise {LEAK_MARK}_1234567(str(x))\n")})


def l_return_class(c):
    return c.solved(extra={"answer_tanh": (
        f"class {LEAK_MARK}_7654321:\n    pass\n"
        "def tanh_backward(dout, x):\n"
        f"    return {LEAK_MARK}_7654321()\n")})


def l_shape_encodes(c):
    return c.solved(extra={"answer_sigmoid": (
        "def sigmoid_backward(dout, x):\n"
        "    return np.zeros(int(abs(x.flat[0]) * 1e3) % 5000 + 1)\n")})


# -- broken files ------------------------------------------------------------------------------
def u_malformed(c):
    return b'{"cells": [,,]'


def u_json_list(c):
    return b"[1, 2, 3]"


def u_nbformat3(c):
    nb3 = nbformat.convert(c.solved(), 3)
    return nbformat.writes(nb3, version=3).encode()


def u_empty(c):
    return b""


def u_huge(c):
    nb = c.solved()
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * (33 << 20)))
    return nbformat.writes(nb).encode()


# student -> (builder, expected status, expected scores, needs the bwrap sandbox)
CASES = {
    # honest
    "h_solution": (lambda c: c.solved(), "graded", expect(), False),
    "h_mutant": (lambda c: c.wrong("relu"), "graded", expect("relu"), False),
    "h_blank": (lambda c: c.blank(), "graded", expect(total_zero=True), False),
    "z_flip": (lambda c: c.solved(), "graded", expect(), False),   # regraded later with a crash
    # notebook tampering (§6.1-8)
    "t_edit_test": (t_edit_test, "tampered", expect("relu"), False),
    "t_markdown": (t_markdown, "tampered", expect("relu"), False),
    "t_points": (t_points, "tampered", expect("relu"), False),
    "t_grade_id": (t_grade_id, "tampered", expect("relu"), False),
    "t_delete": (t_delete, "tampered", expect("relu"), False),
    "t_delete_correct": (t_delete_correct, "tampered", expect(), False),
    "t_grade_id_correct": (t_grade_id_correct, "tampered", expect(), False),
    "t_markdown_correct": (t_markdown_correct, "tampered", expect(), False),
    "t_fake_grade_cell": (t_fake_grade_cell, "graded", expect("relu"), False),
    "t_duplicate": (t_duplicate, "tampered", expect("softmax"), False),
    "t_outputs": (t_outputs, "graded", expect("relu", "softmax"), False),
    "t_kernelspec": (t_kernelspec, "graded", expect("relu"), False),
    # runtime tampering (§6.9-14)
    "r_redef_check": (r_redef_check, "graded", expect("relu"), False),
    "r_redef_allclose": (r_redef_allclose, "graded", expect("relu", "softmax"), False),
    "r_redef_verify": (r_redef_verify, "graded", expect("relu"), False),
    "r_subclass": (r_subclass, "graded", expect("relu"), False),
    "r_rigged_object": (r_rigged_object, "graded", expect("softmax"), False),
    "r_float32_list": (r_float32_list, "graded", expect("sigmoid", "tanh"), False),
    "r_input_transformer": (r_input_transformer, "graded",
                            expect("relu", "leaky_relu", "prelu", "elu", "selu", "softmax", "softplus"), False),
    "r_showtraceback": (r_showtraceback, "graded", expect("relu"), False),
    "r_stderr_warnings": (r_stderr_warnings, "graded", expect(), False),
    "f_hardcode": (f_hardcode, "graded", expect("relu"), False),
    # what hidden feedback may carry (class 6): no student text at all (test_hidden_feedback_*)
    "l_exception_ints": (l_exception_ints, "graded", expect("relu"), False),
    "l_exception_class": (l_exception_class, "graded", expect("relu"), False),
    "l_return_class": (l_return_class, "graded", expect("tanh"), False),
    "l_shape_encodes": (l_shape_encodes, "graded", expect("sigmoid"), False),
    "l_kink_values": (l_kink_values, "graded", expect("leaky_relu"), False),
    "l_exception_values": (l_exception_values, "graded", expect("relu"), False),
    # escapes (§6.15-20)
    "s_read_files": (s_read_files, "graded", expect("relu", "softmax", "tanh", "sigmoid", "elu"), True),
    "s_write_files": (s_write_files, "graded", expect("relu"), True),
    "s_rmtree": (s_rmtree, "graded", expect(), True),
    "s_network": (s_network, "graded", expect("relu"), True),
    "s_daemon": (s_daemon, "graded", expect(), True),
    "s_dev_fill": (s_dev_fill, "graded", expect(), True),
    # resources (§6.21-28)
    "f_loop_top": (f_loop_top, "timed out", expect("relu"), False),
    "f_sigalrm_ignore": (f_sigalrm_ignore, "timed out", expect(), False),   # SIGPROF stops the cell
    "f_loop_in_function": (f_loop_in_function, "timed out", expect("relu"), False),
    "f_exit": (f_exit, "crashed", expect(total_zero=True), False),
    "f_segfault": (f_segfault, "crashed", expect(total_zero=True), False),
    "f_memory": (f_memory, "out of memory", expect("relu"), False),
    "f_forkbomb": (f_forkbomb, "graded", expect(), True),
    "f_stdout": (f_stdout, "graded", expect(), False),
    "f_disk": (f_disk, "graded", expect(), False),
    "f_disk_many": (f_disk_many, "crashed", expect(total_zero=True), False),
    # the sandbox's output folder is hostile (class 1): relu's results sabotaged after writing
    # results the student's code made unreadable: the item scores 0 and the submission needs a look
    # ("crashed"), never a silent 0 — the host cannot tell sabotage from a run that lost its output
    "o_fifo_meta": (o_fifo_meta, "crashed", expect("relu"), False),
    "o_fifo_arrays": (o_fifo_arrays, "crashed", expect("relu"), False),
    "o_fifo_status": (o_fifo_status, "crashed", expect("relu"), False),
    "o_fifo_cells": (o_fifo_cells, "graded", expect(), False),
    "o_dev_zero": (o_dev_zero, "crashed", expect("relu"), False),
    "o_link_host_file": (o_link_host_file, "crashed", expect("relu"), False),
    "o_link_folder": (o_link_folder, "crashed", expect("relu"), False),
    "o_items_link": (o_items_link, "crashed", expect(total_zero=True), False),
    "o_index_lies": (o_index_lies, "crashed", expect("relu"), False),
    "o_index_huge": (o_index_huge, "crashed", expect("relu"), False),
    "o_object_dtype": (o_object_dtype, "crashed", expect("relu"), False),
    "o_overlapping_arrays": (o_overlapping_arrays, "crashed", expect("relu"), False),
    "o_json_deep": (o_json_deep, "crashed", expect("relu"), False),
    "o_json_huge": (o_json_huge, "crashed", expect("relu"), False),
    "o_huge_result": (o_huge_result, "graded", expect("relu"), False),
    "o_deep_tree": (o_deep_tree, "graded", expect(), False),
    # the whole submission is bounded (classes 2, 8, 9)
    "m_fork_memory": (m_fork_memory, "out of memory", expect(), True),
    "c_sigprof_ignore": (c_sigprof_ignore, "timed out", expect(total_zero=True), False),
    "c_timer_reset": (c_timer_reset, "timed out", expect(total_zero=True), False),
    "c_sleep_cell": (c_sleep_cell, "timed out", expect(), False),
    "c_fork_spinners": (c_fork_spinners, "graded", expect(), True),
    "n_many_cells": (n_many_cells, "graded", expect(), False),
    # student ids (class 5; flat folders and zips: test_grader_collect.py)
    "i_jos\u00e9": (lambda c: c.solved(), "bad id", expect(), False),
    "i_" + "long" * 40: (lambda c: c.wrong("relu"), "bad id", expect("relu"), False),
    "i_eve\x1b[2J\x07": (lambda c: c.solved(), "bad id", expect(), False),
    # broken input (§6.29-30)
    "u_malformed": (u_malformed, "unparseable", expect(total_zero=True), False),
    "u_json_list": (u_json_list, "unparseable", expect(total_zero=True), False),
    "u_nbformat3": (u_nbformat3, "unparseable", expect(total_zero=True), False),
    "u_empty": (u_empty, "unparseable", expect(total_zero=True), False),
    "u_huge": (u_huge, "unparseable", expect(total_zero=True), False),
    "u_missing": (None, "missing", expect(total_zero=True), False),
    "u_renamed": (None, "graded", expect(), False),
    # the sandbox holds no reference or gradient checker (autograder/probe.py + probes/ only)
    "x_reference_cheat": (x_reference_cheat, "graded", expect("relu"), True),
}
KNOWN_LIMITS: dict[str, str] = {}
HONEST = ["h_solution", "h_mutant", "h_blank"]


# --------------------------------------------------------------------------- running the CLI
def grade(course_dir, submissions, *extra, out=None):
    args = [sys.executable, "-m", "autograder.grade", A, str(submissions), "--course", str(course_dir),
            "--seed", str(SEED), "--workers", "2", "--timeout", str(WALL),
            "--cell-timeout", str(CELL_TIMEOUT), "--no-progress", *extra]
    if out:
        args += ["--out", str(out)]
    start = time.monotonic()
    env = dict(course.nbgrader_env(), TMPDIR=str(HOST_TMP)) if HOST_TMP else course.nbgrader_env()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, cwd=course_dir, env=env, stdout=out, stderr=err, text=True)
        peak = 0
        while True:                    # the grader's own peak RSS (VmHWM), read until it exits
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                peak = max(peak, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) << 10)
            except (OSError, AttributeError):
                pass
            try:
                proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - start > 900:
                    proc.kill()
        out.seek(0)
        err.seek(0)
        proc.stdout, proc.stderr = out.read(), err.read()
    proc.seconds = time.monotonic() - start
    proc.peak_rss = peak
    return proc


def statuses(out_dir):
    import csv
    with open(out_dir / "grades.csv") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def marker_processes(tag):
    """PIDs of sandboxed processes (daemon, fork-bomb children) still alive on the host."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if f"\0{tag}.".encode() in cmd:
            found.append(int(pid))
    return found


class Listener:
    """A TCP server on the host's 127.0.0.1 that records any connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def _proc(p):
    return {"returncode": p.returncode, "stderr": p.stderr, "seconds": p.seconds, "peak_rss": p.peak_rss,
            "pid": p.pid}


def _cgroup_leftovers(pids):
    """Per-run cgroup folders of the grader processes ``pids`` still present."""
    found = []
    for top in Path("/sys/fs/cgroup").glob("*"):
        try:
            for d in top.rglob("dnn-grade-*"):
                if any(d.name.startswith(f"dnn-grade-{p}-") for p in pids):
                    found.append(str(d))
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The batch runs ONCE per pytest session, even when pytest-xdist spreads this module's
    tests over several workers (``conftest.shared_once``)."""
    info = shared_once(tmp_path_factory, "grader-run", lambda folder: _grade_class(tmp_path_factory))
    try:
        yield info
    finally:
        for pid in marker_processes(info["tag"]):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        REPO_MARKER.unlink(missing_ok=True)


def _grade_class(tmp_path_factory):
    global HOST_TMP
    HOST_TMP = Path(tempfile.mkdtemp(prefix="grader-test-tmp-", dir="/tmp"))
    os.chmod(HOST_TMP, 0o755)
    try:
        return _grade_class_in(tmp_path_factory)
    finally:
        left = sorted(p.name for p in HOST_TMP.iterdir())
        subprocess.run(["rm", "-rf", str(HOST_TMP)])
        HOST_TMP = None
        _LEFT_ON_HOST[:] = left


_LEFT_ON_HOST: list[str] = []


def _grade_class_in(tmp_path_factory):
    t0 = time.monotonic()
    tmp = tmp_path_factory.mktemp("grader")
    os.chmod(tmp, 0o755)
    course_dir = course.make_course(tmp, [A])
    listener = Listener()
    tag = str(int(time.time() * 1000) % 10**9 + 100)
    ctx = Ctx(course_dir, listener.port, tag)
    (course_dir / "decoy").mkdir()
    (course_dir / "decoy" / "keep.txt").write_text("keep")
    solutions_before = SOLUTIONS_FILE.read_text()

    # 1. the honest students alone (their scores must not depend on who else is in the batch)
    honest_dir = course_dir / "honest"
    for student in HONEST:
        nb = CASES[student][0](ctx)
        d = honest_dir / student / A
        d.mkdir(parents=True)
        nbformat.write(nb, d / NB)
    p_honest = grade(course_dir, honest_dir, out=tmp / "out-honest")
    honest_scores = {s: v for s, v in course.scores(course_dir, A).items() if s in HONEST}

    # 2. the whole class
    for student, (build, *_rest) in CASES.items():
        if build is None:
            continue
        nb = build(ctx)
        if isinstance(nb, nbformat.NotebookNode):    # no two students hand in the same bytes
            nb.cells.append(nbformat.v4.new_markdown_cell(f"(handed in by {student!r})"))   # ("suspicious")
        course.submit(course_dir, student, A, NB, nb)
    d = course_dir / "submitted" / "u_missing" / A
    d.mkdir(parents=True)
    (d / "notes.txt").write_text("forgot the notebook")
    d = course_dir / "submitted" / "u_renamed" / A
    d.mkdir(parents=True)
    renamed = ctx.solved()          # not byte-identical to h_solution's (that is "suspicious")
    renamed.cells.append(nbformat.v4.new_markdown_cell("Saved under another name."))
    nbformat.write(renamed, d / "activations (1).ipynb")

    p1 = grade(course_dir, course_dir / "submitted", out=tmp / "out1")
    time.sleep(1.0)
    leftovers = marker_processes(tag)
    scores1 = course.scores(course_dir, A)
    status1 = statuses(tmp / "out1")
    with sqlite3.connect(course_dir / "gradebook.db") as con:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]

    # 3. the same batch again (a regrade): nothing may change
    p2 = grade(course_dir, course_dir / "submitted", out=tmp / "out2")
    scores2 = course.scores(course_dir, A)
    status2 = statuses(tmp / "out2")

    # 4. z_flip resubmits a crashing notebook; only z_flip is regraded
    course.submit(course_dir, "z_flip", A, NB, f_exit(ctx))
    p3 = grade(course_dir, course_dir / "submitted", "--student", "z_flip", out=tmp / "out3")
    scores3 = course.scores(course_dir, A)
    status3 = statuses(tmp / "out3")
    listener.close()

    sandboxed = "sandbox: bubblewrap" in p1.stderr
    host_tmp_after = sorted(p.name for p in HOST_TMP.iterdir())
    log1 = (tmp / "out1" / "log.txt").read_text(errors="replace")
    log1 = "\n".join(l for l in log1.splitlines() if not l.startswith(("[", "==")))[:20000]
    info = dict(course=str(course_dir), tmp=str(tmp), p_honest=_proc(p_honest), p1=_proc(p1),
                host_tmp_after=host_tmp_after, log1_head=log1,
                p2=_proc(p2), p3=_proc(p3),
                honest_scores=honest_scores, scores1=scores1, scores2=scores2, scores3=scores3,
                status1=status1, status2=status2, status3=status3, integrity=integrity,
                leftovers=leftovers, connections=listener.connections, sandboxed=sandboxed,
                solutions_before=solutions_before, tag=tag, seconds=time.monotonic() - t0)
    print(f"\ngrader test: honest run {p_honest.seconds:.1f} s, batch {p1.seconds:.1f} s, "
          f"regrade {p2.seconds:.1f} s, single {p3.seconds:.1f} s, total {info['seconds']:.1f} s")
    return info


def need_sandbox(run):
    if not run["sandboxed"]:
        why = "bubblewrap sandbox unavailable: " + run["p1"]["stderr"].split("sandbox:", 1)[-1].splitlines()[0]
        if REQUIRE_SANDBOX:
            pytest.fail("REQUIRE_SANDBOX=1 but " + why)
        pytest.skip(why)


# --------------------------------------------------------------------------- the tests
def test_batch_exit_code(run):
    assert run["p1"]["returncode"] == 1, run["p1"]["stderr"][-3000:]
    assert run["p2"]["returncode"] == 1, run["p2"]["stderr"][-3000:]
    assert run["p3"]["returncode"] == 1, run["p3"]["stderr"][-3000:]
    assert run["p_honest"]["returncode"] == 0, run["p_honest"]["stderr"][-3000:]
    assert "gradebook:" not in run["p1"]["stderr"], run["p1"]["stderr"][-3000:]


def test_every_student_reported(run):
    assert set(run["status1"]) == {safe_id(s) for s in CASES}
    assert set(run["scores1"]) >= {safe_id(s) for s in CASES}


@pytest.mark.parametrize("student", [
    pytest.param(s, marks=pytest.mark.xfail(strict=True, reason=KNOWN_LIMITS[s])) if s in KNOWN_LIMITS else s
    for s in CASES])
def test_status_and_scores(run, student):
    _, status, scores, sandbox_dependent = CASES[student]
    if sandbox_dependent:
        need_sandbox(run)
    row = run["status1"][safe_id(student)]
    assert (row["status"], run["scores1"][safe_id(student)]) == (status, scores), row["reason"]
    # the CSV's score column and the feedback agree with the gradebook
    assert float(row["score"]) == sum(scores.values())
    for gid, points in scores.items():
        assert float(row[gid]) == points, gid
    html = (Path(run["tmp"]) / "out1" / "feedback" / f"{safe_id(student)}.html").read_text()
    # the feedback words a tampered notebook as what happened to it (issue 8)
    assert ("locked cells were restored" if status == "tampered" else status) in html


def test_honest_scores_unaffected_by_adversaries(run):
    for s in HONEST:
        assert run["honest_scores"][s] == run["scores1"][s] == CASES[s][2]


def test_gradebook_intact_and_complete(run):
    assert run["integrity"] == "ok"
    for student in map(safe_id, CASES):
        assert set(run["scores1"][student]) == set(POINTS), student
        assert all(v is not None for v in run["scores1"][student].values()), student


def test_regrade_is_idempotent(run):
    assert run["scores2"] == run["scores1"]
    assert {s: r["status"] for s, r in run["status2"].items()} == \
           {s: r["status"] for s, r in run["status1"].items()}


def test_regrade_with_a_crash_leaves_no_stale_score(run):
    assert run["scores1"]["z_flip"] == expect()
    assert set(run["status3"]) == {"z_flip"}
    assert run["status3"]["z_flip"]["status"] == "crashed"
    assert run["scores3"]["z_flip"] == expect(total_zero=True)
    others = {s: v for s, v in run["scores3"].items() if s != "z_flip"}
    assert others == {s: v for s, v in run["scores2"].items() if s != "z_flip"}


def _hidden_values():
    """student -> every hidden input value the grader drew for them (a flat float array: the
    batch's inputs, the same for every student)."""
    from autograder.checks import draw_cases
    from autograder.specs.activations import ITEMS
    vals = [np.ravel(a) for item in ITEMS.values()
            for case in draw_cases(item, hidden=True, seed=SEED) for a in case.values()]
    v = np.concatenate(vals)
    return dict.fromkeys(map(safe_id, CASES), v[v != np.round(v)])


def _leaked(text, hidden):
    """Numbers in ``text`` printed with >= 4 significant digits that match a hidden value (or
    its reciprocal) to the printed precision."""
    found = []
    for tok in re.findall(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?", text):
        mantissa = re.split(r"[eE]", tok)[0].lstrip("+-").replace(".", "").lstrip("0")
        if len(mantissa) < 4:
            continue
        f = float(tok)
        tol = 10.0 ** -(len(mantissa) - 1)
        for ref in (hidden, 1 / hidden):
            if np.any(np.abs(ref - f) <= np.abs(ref) * tol):
                found.append(tok)
    return found


def test_feedback_has_no_hidden_tests_or_inputs(run):
    leaks = []
    hidden = _hidden_values()
    for student in map(safe_id, CASES):
        html = (Path(run["tmp"]) / "out1" / "feedback" / f"{student}.html").read_text()
        for needle in ("hidden=True", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if needle in html:
                leaks.append(f"{student}: {needle}")
        found = _leaked(html, hidden[student])
        if found:
            leaks.append(f"{student}: hidden input values {found[:5]}")
    assert not leaks, "\n".join(leaks)


def test_nothing_escaped_the_sandbox(run):
    need_sandbox(run)
    c = Path(run["course"])
    assert run["connections"] == 0, "a submission connected to the host's 127.0.0.1"
    assert not (c / "pwned").exists() and not REPO_MARKER.exists()
    assert (c / "decoy" / "keep.txt").read_text() == "keep"
    assert SOLUTIONS_FILE.read_text() == run["solutions_before"]
    assert (c / "submitted" / "h_solution" / A / NB).exists()
    assert not run["leftovers"], f"sandboxed processes outlived their run: {run['leftovers']}"


# --------------------------------------------------------------------------- issue 7, host side
def test_hidden_feedback_has_no_student_text(run):
    """Hidden verdicts carry no student-controlled text: exception messages (integers, hex),
    student class names and the shapes the student's code chose never reach the feedback;
    built-in exception type names do."""
    out = Path(run["tmp"]) / "out1" / "feedback"
    for student in ("l_exception_ints", "l_exception_class", "l_return_class", "l_shape_encodes",
                    "l_exception_values"):
        html = (out / f"{student}.html").read_text()
        assert LEAK_MARK not in html, student
        assert "has shape (" not in html, student
    assert "raised ValueError" in (out / "l_exception_ints.html").read_text()
    assert "raised an exception" in (out / "l_exception_class.html").read_text()
    assert "your own type" in (out / "l_return_class.html").read_text()
    assert "has the wrong shape" in (out / "l_shape_encodes.html").read_text()


def test_control_characters_never_reach_outputs(run):
    """An id with an escape sequence is graded under a safe id; no raw control character in
    the CSV, the log, the summary or the terminal output."""
    tmp = Path(run["tmp"]) / "out1"
    texts = {"grades.csv": (tmp / "grades.csv").read_text(), "log": run["log1_head"],
             "summary.html": (tmp / "summary.html").read_text(), "stderr": run["p1"]["stderr"]}
    for name, text in texts.items():
        bad = [ch for ch in text if ord(ch) < 32 and ch not in "\n\t\r"]
        assert not bad, (name, bad[:5])


def test_nothing_left_on_host(run):
    """No job folder (hidden inputs included), cgroup or process outlives the runs, even after
    the deep locked tree, FIFOs and links of the o_* cases."""
    assert run["host_tmp_after"] == [], run["host_tmp_after"]
    pids = [run[k]["pid"] for k in ("p_honest", "p1", "p2", "p3")]
    assert not _cgroup_leftovers(pids)
    assert not run["leftovers"]


def test_grader_peak_memory(run):
    """The grader process itself stays under 500 MB whatever the submissions do (zip bomb,
    lying headers, huge JSON, 10,000 cells)."""
    for k in ("p_honest", "p1", "p2", "p3"):
        assert 0 < run[k]["peak_rss"] < 500 << 20, (k, run[k]["peak_rss"] >> 20)


def test_sandbox_line_reports_memory_mode(run):
    line = next(l for l in run["p1"]["stderr"].splitlines() if l.startswith("sandbox:"))
    assert re.search(r"cgroup v[12]: \d+ MiB|rlimits", line), line
    assert line.split("sandbox: ", 1)[1] in run["log1_head"]
