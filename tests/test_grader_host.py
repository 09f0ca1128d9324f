"""The grader's host side against hostile bytes, odd collections and a busy machine (issue 7).

Fast unit cases (no sandbox, well under a second each) for :mod:`autograder.grade.sandbox_output` (what
a sandbox leaves behind is read without hanging, inflating or trusting anything),
``sandbox.remove_tree`` and the student-id rules of :mod:`autograder.grade.collect`; then three
real CLI runs: a zip of a flat folder with the collection faults of class 5 (~15 s), the
bubblewrap sandbox reached through a symlinked virtualenv plus the clear ``--sandbox bwrap``
error (~2 s), and an honest notebook graded while ``stress-ng`` keeps both cores busy (~40 s).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

import course
from autograder.checks import Captured
from autograder.grade import sandbox_output as R
from autograder.grade.text import clean
from autograder.grade.collect import STUDENT_ID, find_submissions, safe_extract, safe_id
from autograder.grade.sandbox import remove_tree

A, NB = "activations", "activations.ipynb"
FULL = sum(course.max_points(A).values())      # the solution's score


# --------------------------------------------------------------------------- results.py
def _item(tmp, arrays=None, meta=None):
    cap = Captured()
    for k, v in (arrays or {"c0/y": np.arange(6.0).reshape(2, 3)}).items():
        cap.keep(k, v)
    cap.save(tmp / "items" / "relu")
    if meta is not None:
        (tmp / "items" / "relu" / "meta.json").write_text(json.dumps(meta))
    return tmp / "items" / "relu"


def _index(d, index=None, data=None):
    """Rewrite an item's index (``meta.json``'s ``arrays``) and/or its ``arrays.bin``."""
    meta = json.loads((d / "meta.json").read_text())
    if index is not None:
        meta["arrays"] = index
        (d / "meta.json").write_text(json.dumps(meta))
    if data is not None:
        (d / "arrays.bin").write_bytes(data)
    return meta


def test_round_trip_and_unusual_but_valid_encodings(tmp_path):
    d = _item(tmp_path, {"c0/y": np.arange(6.0).reshape(2, 3), "c0/i": np.int32(7),
                         "c0/f": np.asfortranarray(np.arange(6.0).reshape(2, 3)), "c0/e": np.zeros((0, 3))})
    cap = R.read_captured(tmp_path, "relu")
    assert np.array_equal(cap.arrays["c0/y"], np.arange(6.0).reshape(2, 3)) and cap.arrays["c0/i"] == 7
    assert np.array_equal(cap.arrays["c0/f"], np.arange(6.0).reshape(2, 3)) and cap.arrays["c0/e"].shape == (0, 3)
    assert cap.meta["c0/y"]["shape"] == [2, 3]
    # big-endian bytes: the same numbers, read back as native float64; two arrays may share bytes
    # as long as together they are no larger than the file
    _index(d, {"c0/y": [">f8", [2, 3], 0]}, np.arange(6.0).astype(">f8").tobytes())
    got = R.read_captured(tmp_path, "relu").arrays["c0/y"]
    assert got.dtype == np.float64 and np.array_equal(got, np.arange(6.0).reshape(2, 3)) and got.flags.writeable
    _index(d, {"c0/a": ["<f8", [3], 0], "c0/b": ["<f8", [3], 0]})
    cap = R.read_captured(tmp_path, "relu")
    assert np.array_equal(cap.arrays["c0/a"], cap.arrays["c0/b"])


@pytest.mark.parametrize("attack", [
    "fifo", "dev_zero_link", "file_link", "folder_link", "too_big", "lying_shape", "past_the_end",
    "object_dtype", "structured_dtype", "overlapping_amplifies", "truncated", "deep_json",
    "wrong_structure", "no_index", "bad_entry", "negative_offset", "bool_shape", "too_many"])
def test_hostile_output_is_refused_quickly(tmp_path, attack):
    d = _item(tmp_path)
    arrays, meta = d / "arrays.bin", d / "meta.json"
    if attack == "fifo":
        meta.unlink()
        os.mkfifo(meta)                 # no writer: a blocking open or read would hang forever
    elif attack == "dev_zero_link":
        arrays.unlink()
        arrays.symlink_to("/dev/zero")
    elif attack == "file_link":
        meta.unlink()
        meta.symlink_to("/etc/passwd")
    elif attack == "folder_link":
        shutil.move(d, tmp_path / "elsewhere")
        d.symlink_to(tmp_path / "elsewhere")
    elif attack == "too_big":
        with open(arrays, "ab") as f:
            f.truncate(R.MAX_ARRAY_BYTES + 1)
    elif attack == "lying_shape":                   # 10^12 float64s claimed: refused before any copy
        _index(d, {"c0/y": ["<f8", [10 ** 12], 0]})
    elif attack == "past_the_end":
        _index(d, {"c0/y": ["<f8", [6], 8]})
    elif attack == "object_dtype":
        _index(d, {"c0/y": ["|O", [3], 0]})
    elif attack == "structured_dtype":
        _index(d, {"c0/y": [[["a", "<f8"]], [3], 0]})
    elif attack == "overlapping_amplifies":        # 4096 names for the same 48 bytes: 4096 copies
        _index(d, {f"c0/y{i}": ["<f8", [6], 0] for i in range(R.MAX_MEMBERS)})
    elif attack == "truncated":
        arrays.write_bytes(arrays.read_bytes()[:-8])
    elif attack == "deep_json":
        meta.write_text("[" * 100_000 + "]" * 100_000)
    elif attack == "wrong_structure":
        meta.write_text(json.dumps({"meta": [], "errors": "x", "arrays": {}}))
    elif attack == "no_index":
        _index(d, [])
    elif attack == "bad_entry":
        _index(d, {"c0/y": ["<f8", [6]]})
    elif attack == "negative_offset":
        _index(d, {"c0/y": ["<f8", [1], -8]})
    elif attack == "bool_shape":                    # JSON true is no size
        _index(d, {"c0/y": ["<f8", [True], 0]})
    elif attack == "too_many":
        _index(d, {f"c0/y{i}": ["<f8", [0], 0] for i in range(R.MAX_MEMBERS + 1)})
    start = time.monotonic()
    with pytest.raises(ValueError):
        R.read_captured(tmp_path, "relu")
    assert time.monotonic() - start < 60          # a generous backstop, not a timing claim


def test_status_and_cells_readers_tolerate_hostile_files(tmp_path):
    os.mkfifo(tmp_path / "cells.jsonl")
    assert R.read_cells(tmp_path) == []
    (tmp_path / "items").mkdir()
    (tmp_path / "items" / "relu.status.json").symlink_to("/dev/zero")
    assert R.read_json(tmp_path, "items/relu.status.json") is None
    assert not R.exists(tmp_path, "items/relu.status.json")
    (tmp_path / "cells.jsonl").unlink()
    (tmp_path / "cells.jsonl").write_bytes(b'{"status": "timeout"}\n' + b"[" * 50_000 + b"\n\xff\xfe\n"
                                           + b'{"status": "ok"}\n')
    assert [c["status"] for c in R.read_cells(tmp_path)] == ["timeout", "ok"]


@pytest.mark.parametrize("message, shown", [
    ("`relu_forward` raised ValueError: 31415926 0x1f2e (line 3: raise ValueError(x))",
     "`relu_forward` raised ValueError (details are not shown for hidden tests)."),
    ("`relu_forward` raised Secret_12345: boom", "`relu_forward` raised an exception (details are not shown for hidden tests)."),
    ("`Secret_99.forward` raised KeyError: 7", "the `forward` method raised KeyError (details are not shown for hidden tests)."),
    ("`relu_forward_31415` raised TypeError: x", "your code raised TypeError (details are not shown for hidden tests)."),
    ("`relu_backward` is not defined — run the cell that defines it.",
     "`relu_backward` is not defined — run the cell that defines it."),
    ("`relu_forward` is not callable (it is a Secret_1).", "`relu_forward` is not callable."),
    ("31415926", "your code failed (details are not shown for hidden tests)."),
])
def test_hidden_errors_keep_no_student_text(message, shown):
    assert R.safe_error(message, {"relu_forward", "relu_backward", "forward"}) == shown


def test_printable_escapes_control_characters():
    assert clean("a\x1b[2Jb\x07\u202ec\ud800") == "a\\x1b[2Jb\\x07\\u202ec\\ud800"


def test_remove_tree_deep_and_locked(tmp_path):
    root = tmp_path / "job"
    (root / "in").mkdir(parents=True)
    (root / "in" / "cases.bin").write_bytes(b"secret")
    fd = os.open(root, os.O_RDONLY)
    for _ in range(1500):                      # deeper than Python's recursion limit
        os.mkdir("d", dir_fd=fd)
        nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    os.close(fd)
    (root / "locked" / "inner").mkdir(parents=True)
    (root / "locked" / "inner" / "f").write_text("x")
    os.chmod(root / "locked" / "inner", 0)
    os.chmod(root / "locked", 0)
    os.mkfifo(root / "fifo")
    (root / "link").symlink_to("/etc")
    assert remove_tree(root)
    assert not root.exists()
    assert Path("/etc/passwd").exists()
    assert remove_tree(root)                   # already gone: still True


# --------------------------------------------------------------------------- collect.py
def test_safe_ids():
    for raw in ("alice", "a.b-c@d+e", "x" * 128):
        assert safe_id(raw) == raw
    made = {raw: safe_id(raw) for raw in ("josé", "x" * 129, "eve\x1b[2J", "李", "\udcff", "-lead", "jose")}
    assert all(STUDENT_ID.match(v) for v in made.values()), made
    assert len(set(made.values())) == len(made)
    assert made["jose"] == "jose" and made["josé"] != "jose"


def _flat_zip(path, entries):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "w") as z:
            for name, data in entries:
                z.writestr(name, data)


@pytest.fixture(scope="module")
def flat_run(tmp_path_factory):
    """One CLI run over a zip of a flat folder holding every class-5 collection fault."""
    tmp = tmp_path_factory.mktemp("flat")
    os.chmod(tmp, 0o755)
    c = course.make_course(tmp, [A])
    blank = course.released(c, A, NB)
    good = nbformat.writes(course.fill(course.released(c, A, NB), course.solution_sources(A, NB)))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr(f"carol_{NB}", good)
    own = course.fill(course.released(c, A, NB), course.solution_sources(A, NB))
    own.cells.append(nbformat.v4.new_markdown_cell("dave's own copy"))   # not byte-identical
    entries = [
        (f"dave_{NB}", nbformat.writes(own)),                   # control: graded normally
        (f"alice_{NB}", good), (f"alice_v2_{NB}", good),        # two notebooks, one student
        (f"bob_{NB}", good), (f"bob_{NB}", nbformat.writes(blank)),   # one entry twice
        ("carol.zip", inner.getvalue()),                        # a zip inside the zip
        (f"zoë_{NB}", good),                                    # a non-ASCII id
        (f"mallory\x1b[31m_{NB}", good),                        # control characters in an id
    ]
    _flat_zip(tmp / "class.zip", entries)
    out = tmp / "out"
    p = subprocess.run([sys.executable, "-m", "autograder.grade", A, str(tmp / "class.zip"),
                        "--course", str(c), "--seed", "7", "--workers", "2", "--no-progress",
                        "--out", str(out)], cwd=c, env=course.nbgrader_env(), capture_output=True,
                       text=True, timeout=900)
    import csv
    with open(out / "grades.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return dict(p=p, rows=rows, scores=course.scores(c, A), out=out)


FLAT = {  # raw id -> (status, total score)
    "dave": ("graded", FULL), "alice": ("ambiguous", 0.0), "bob": ("ambiguous", 0.0),
    "carol": ("ambiguous", 0.0), "zoë": ("bad id", FULL), "mallory\x1b[31m": ("bad id", FULL),
}


@pytest.mark.parametrize("raw", list(FLAT))
def test_collection_faults_are_listed_with_a_status(flat_run, raw):
    status, total = FLAT[raw]
    sid = safe_id(raw)
    row = flat_run["rows"][sid]
    assert (row["status"], float(row["score"])) == (status, total), row["reason"]
    assert sum(flat_run["scores"][sid].values()) == total
    html = (flat_run["out"] / "feedback" / f"{sid}.html").read_text()
    assert status in html


def test_collection_exit_code_and_clean_text(flat_run):
    p = flat_run["p"]
    assert p.returncode == 1, p.stderr[-2000:]
    assert set(flat_run["rows"]) == {safe_id(r) for r in FLAT}
    for text in (p.stderr, (flat_run["out"] / "grades.csv").read_text(),
                 (flat_run["out"] / "log.txt").read_text(errors="replace")):
        assert "\x1b" not in text


def test_safe_extract_keeps_duplicates_apart(tmp_path):
    _flat_zip(tmp_path / "z.zip", [("a/x.ipynb", "1"), ("a/x.ipynb", "2")])
    safe_extract(tmp_path / "z.zip", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out" / "a").iterdir()) == ["x.duplicate-2.ipynb", "x.ipynb"]
    subs = find_submissions(tmp_path / "out", A, ["x.ipynb"])
    assert subs["x"].problem[0] == "ambiguous" and subs["x"].skip


# --------------------------------------------------------------------------- class 10
def test_symlinked_venv_keeps_the_full_sandbox(tmp_path):
    if not shutil.which("bwrap") and not os.path.exists("/usr/bin/bwrap"):
        pytest.skip("bwrap not installed")
    venv = Path(sys.prefix)
    link = tmp_path / "venv-link"
    link.symlink_to(os.path.realpath(venv))
    os.chmod(tmp_path, 0o755)
    py = link / "bin" / Path(sys.executable).name
    code = ("from autograder.grade.sandbox import detect\n"
            f"mode, why = detect('bwrap', {str(course.REPO)!r})\nprint(mode)\n")
    p = subprocess.run([str(py), "-c", code], cwd=course.REPO, capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(course.REPO)), timeout=120)
    assert p.returncode == 0 and p.stdout.strip() == "bwrap", p.stderr[-2000:]


def test_the_end_of_a_sandboxed_run_is_seen_when_it_happens():
    """The run's end wakes the grader (a pidfd), instead of the next of its growing sleeps; where
    there is no pidfd, it sleeps as before."""
    from autograder.grade.sandbox import _exit_fd, _wait_readable
    proc = subprocess.Popen(["sleep", "0.2"])
    fd = _exit_fd(proc.pid)
    try:
        assert fd is not None                               # Linux >= 5.3: every supported host
        assert _wait_readable(fd, 0.0) is False             # still running
        assert _wait_readable(fd, 600) is True              # returns when it ends, not after 600 s
        assert os.wait4(proc.pid, os.WNOHANG)[0] == proc.pid
    finally:
        os.close(fd)
    assert _wait_readable(None, 0.01) is False


def test_sandbox_python_skips_the_editable_install_hook():
    """``make setup`` installs the course editable: its ``.pth`` hook (11 ms of every Python start)
    points into the repository, which the sandbox does not have. The sandbox hides it; its Python
    still runs ``site`` (site-packages on the path, NumPy importable) and imports the course's
    code from its own lib."""
    if not shutil.which("bwrap") and not os.path.exists("/usr/bin/bwrap"):
        pytest.skip("bwrap not installed")
    from autograder.grade.batch import make_lib
    import tempfile
    from autograder.grade.sandbox import Limits, Sandbox, editable_hooks
    tmp_path = Path(tempfile.mkdtemp(prefix="dnn-grade-test-"))     # reachable by the slot uids
    os.chmod(tmp_path, 0o711)
    lib = make_lib(tmp_path)
    sandbox = Sandbox("bwrap", lib, Limits())
    hooks = editable_hooks(sandbox.prefixes)
    assert sandbox.hidden == hooks
    code = ("import sys, numpy, autograder\n"
            "print(any('Editable' in getattr(f, '__name__', type(f).__name__) for f in sys.meta_path),"
            " any(p.endswith('site-packages') for p in sys.path), autograder.__file__)")

    def run(name):
        job = tmp_path / name
        (job / "in").mkdir(parents=True)
        sandbox.prepare(job, 0)
        argv, env, cwd = sandbox.command(job, 0, program=[sandbox.python, "-c", code])
        p = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr[-2000:]
        return p.stdout.split()

    try:
        assert run("hidden") == ["False", "True", "/sandbox/lib/autograder/__init__.py"]
        if hooks:                        # the hook is real here: without the hiding, it runs
            sandbox.hidden = []
            assert run("shown")[0] == "True"
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_sandbox_bwrap_unavailable_is_a_clear_error(tmp_path, monkeypatch, capsys):
    from autograder.grade import cli, sandbox
    monkeypatch.setattr(sandbox, "_which", lambda name: None)
    (tmp_path / "subs").mkdir()
    code = cli.main([A, str(tmp_path / "subs"), "--course", str(course.REPO), "--sandbox", "bwrap",
                     "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "error: bubblewrap sandbox unavailable: bwrap is not installed" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- class 8
def test_honest_work_passes_on_a_busy_machine(tmp_path):
    """Cells limited in CPU time, not wall time: with stress-ng keeping both cores busy, a
    notebook whose cell needs 1.5 s of CPU under a 2 s cell limit still gets full marks (on
    a wall clock it would need far more than 2 s)."""
    if not shutil.which("stress-ng"):
        pytest.skip("stress-ng not installed")
    os.chmod(tmp_path, 0o755)
    c = course.make_course(tmp_path, [A])
    nb = course.fill(course.released(c, A, NB), course.solution_sources(A, NB))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import time\n_t = time.process_time()\nwhile time.process_time() - _t < 1.5:\n    pass\n"))
    course.submit(c, "busy", A, NB, nb)
    stress = subprocess.Popen(["stress-ng", "--cpu", "2", "--timeout", "300", "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        p = subprocess.run([sys.executable, "-m", "autograder.grade", A, str(c / "submitted"),
                            "--course", str(c), "--seed", "3", "--workers", "1", "--cell-timeout", "2",
                            "--timeout", "30", "--no-progress", "--out", str(tmp_path / "out")],
                           cwd=c, env=course.nbgrader_env(), capture_output=True, text=True, timeout=600)
    finally:
        stress.terminate()
        stress.wait(30)
    assert p.returncode == 0, p.stderr[-3000:]
    assert sum(course.scores(c, A)["busy"].values()) == FULL


# --------------------------------------------------------------------------- class 2 fallback
def test_without_cgroups_the_fallback_bounds_processes_times_memory(tmp_path):
    """With no usable cgroup (forced off), the sandbox line says so and how memory is bounded
    instead; an honest notebook still gets full marks and a blank one 0 (~10 s)."""
    os.chmod(tmp_path, 0o755)
    c = course.make_course(tmp_path, [A])
    course.submit(c, "honest", A, NB, course.fill(course.released(c, A, NB), course.solution_sources(A, NB)))
    course.submit(c, "blank", A, NB, course.released(c, A, NB))
    env = dict(course.nbgrader_env(), DNN_GRADE_CGROUPS="off")
    p = subprocess.run([sys.executable, "-m", "autograder.grade", A, str(c / "submitted"), "--course", str(c),
                        "--seed", "3", "--workers", "2", "--no-progress", "--out", str(tmp_path / "out")],
                       cwd=c, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    line = next(l for l in p.stderr.splitlines() if l.startswith("sandbox:"))
    if os.geteuid() == 0:
        assert "no usable cgroup: rlimits, 8 processes × 256 MiB address space each" in line, line
    else:
        assert "processes × memory NOT bounded" in line, line
    scores = course.scores(c, A)
    assert sum(scores["honest"].values()) == FULL and sum(scores["blank"].values()) == 0.0


def test_grader_process_uses_one_blas_thread():
    """A multi-threaded OpenBLAS deadlocks a fork made while another thread is in a BLAS call
    (the grader forks sandboxes from worker threads while others draw cases with NumPy): the
    grader's own process must run NumPy's BLAS single-threaded."""
    code = ("import autograder.grade.cli, numpy, threadpoolctl; "
            "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info()))")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "1"
