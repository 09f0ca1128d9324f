"""The batch grader against a hostile class (issue 21, §7 and §8), each attack with its honest
control, checked where the instructor sees the result (exit code, ``grades.csv``, the gradebook,
``summary.html``):

* §7 ``--sandbox auto`` never falls back quietly; the grader's state lives in a private folder
  no other user can prepare; no job path shows in ``/proc/*/cmdline``;
* §8 a fork bomb, hundreds of MB printed (IPython's output history included) and output written
  straight to the file descriptors, each after correct answers, never cost those answers their
  points; an unsafe zip ends in one ``error:`` line naming the entry.
"""
from __future__ import annotations

import csv
import io
import os
import re
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

import course as C

A = "activations"
NB = f"{A}.ipynb"


def _solution(c, extra_cells=()):
    nb = C.fill(C.released(c, A, NB), C.solution_sources(A, NB))
    for source in extra_cells:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def _grade(c, *extra, env=None):
    return subprocess.run([sys.executable, "-m", "autograder.grade", A, "submitted", "--no-progress",
                           "--workers", "2", *extra], cwd=c, capture_output=True, text=True,
                          timeout=1800, env=env or C.nbgrader_env())


def _rows(c):
    with open(c / "grading" / A / "grades.csv") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-grader")
    os.chmod(tmp, 0o755)
    return C.make_course(tmp, [A])


# --------------------------------------------------------------------------- §8 faults after correct answers
FORK_BOMB = ("import os\nfor _ in range(100):\n    try:\n        os.fork()\n    except OSError:\n        break\n")
IPYTHON_PRINTS = ("get_ipython()\nfor i in range(300_000):\n"
                  "    print('line', i, 'of a very long printout that goes on and on and on')\n")
FD_WRITES = "import os\nfor _ in range(40):\n    os.write(1, b'x' * (1 << 20))\n"


def test_faults_after_correct_answers_keep_the_points(course_dir):
    c = course_dir
    for student, extra in {"honest": (), "forker": (FORK_BOMB,), "printer": (IPYTHON_PRINTS,),
                           "fdwriter": (FD_WRITES,)}.items():
        C.submit(c, student, A, NB, _solution(c, extra))
    proc = _grade(c)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    rows, full = _rows(c), sum(C.max_points(A).values())
    scores = C.scores(c, A)
    for student in ("honest", "forker", "printer", "fdwriter"):
        row = rows[student]
        assert float(row["score"]) == full and sum(scores[student].values()) == full, (row, proc.stderr[-2000:])
        assert row["status"] == "graded" or row["reason"], row       # never a silent problem
    assert rows["honest"]["status"] == "graded"


# --------------------------------------------------------------------------- §7 quiet downgrade
def test_sandbox_auto_never_falls_back_quietly(course_dir, tmp_path, monkeypatch, capsys):
    from autograder.grade import cli, sandbox
    monkeypatch.setattr(sandbox, "_try_bwrap", lambda *a: (False, "no user namespaces (test)"))
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(_solution(course_dir), subs / f"alice_{NB}")
    common = [A, str(subs), "--course", str(course_dir), "--no-progress", "--workers", "1",
              "--db", f"sqlite:///{tmp_path / 'gb.db'}"]
    code = cli.main([*common, "--out", str(tmp_path / "auto")])
    err = capsys.readouterr().err
    assert code == 1, err[-2000:]
    assert "NEEDS A LOOK: bubblewrap could not run here" in err and "--sandbox rlimits" in err
    assert "NEEDS A LOOK" in (tmp_path / "auto" / "summary.html").read_text()
    # honest control: the weaker mode asked for by name grades normally
    code = cli.main([*common, "--sandbox", "rlimits", "--out", str(tmp_path / "asked")])
    err = capsys.readouterr().err
    assert code == 0, err[-2000:]
    assert "NEEDS A LOOK" not in err and "DEGRADED" in err


# --------------------------------------------------------------------------- §7 private state
def test_state_folder_prepared_by_someone_else_is_refused(tmp_path, monkeypatch):
    from autograder.grade import state
    if os.geteuid() != 0:
        pytest.skip("the uid lock files are used only by a root grader")
    base = tmp_path / "base"
    base.mkdir(mode=0o755)
    monkeypatch.setenv("DNN_GRADE_STATE", str(base / "dnn-grade"))
    assert state.check_state() == ""                                         # honest control
    made = base / "dnn-grade" / "uids"
    assert made.is_dir() and (made.stat().st_mode & 0o777) == 0o700
    for attack in ("other owner", "open mode", "link"):
        target = base / "dnn-grade"
        subprocess.run(["rm", "-rf", str(target)], check=True)
        if attack == "link":
            (base / "elsewhere").mkdir(exist_ok=True, mode=0o700)
            target.symlink_to(base / "elsewhere")
        else:
            target.mkdir(mode=0o700)
            if attack == "other owner":
                os.chown(target, 65534, 65534)
            else:
                os.chmod(target, 0o777)
        problem = state.check_state()
        assert problem.startswith("grader state:") and "refusing" in problem, (attack, problem)


def test_no_job_path_in_any_command_line(course_dir, tmp_path):
    """While a sandbox runs (a cell sleeps), no process's command line names the grader's work
    folder (where the hidden inputs are); the sandboxed runner is seen meanwhile."""
    sub = tmp_path / "subs"
    sub.mkdir()
    nbformat.write(_solution(course_dir, ["import time\ntime.sleep(6)\n"]), sub / f"sleepy_{NB}")
    import tempfile
    tmpdir = Path(tempfile.mkdtemp(prefix="hostile-cmdline-", dir="/tmp"))   # the sandbox uid traverses it
    os.chmod(tmpdir, 0o755)
    env = dict(C.nbgrader_env(), TMPDIR=str(tmpdir))
    proc = subprocess.Popen([sys.executable, "-m", "autograder.grade", A, str(sub), "--course",
                             str(course_dir), "--no-progress", "--workers", "1", "--out", str(tmp_path / "out"),
                             "--db", f"sqlite:///{tmp_path / 'gb.db'}"],
                            cwd=course_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, leaks = [], []
    while proc.poll() is None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == proc.pid:
                continue
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if not _descends(int(pid), proc.pid):       # other graders on the machine: not ours
                continue
            if "autograder.grade.runner" in cmd:
                seen.append(cmd)
            if f"{tmpdir}/dnn-grade-" in cmd or "/job-" in cmd:     # the grader's work folder
                leaks.append(cmd)
        time.sleep(0.05)
    out = proc.stdout.read()
    import shutil
    shutil.rmtree(tmpdir, ignore_errors=True)
    assert proc.returncode == 0, out[-2000:]
    assert seen, "the sandboxed runner was never seen running"
    assert not leaks, leaks[:3]


def _descends(pid, ancestor):
    for _ in range(64):
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return False
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
    return False


# --------------------------------------------------------------------------- §8 unsafe zips
def _zip(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode:
                info.external_attr = mode << 16
            z.writestr(info, data)
    return buf.getvalue()


def _lying(data):
    """The zip with every declared uncompressed size set to 1 (headers that lie)."""
    b = bytearray(data)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        for m in re.finditer(re.escape(sig), bytes(b)):
            struct.pack_into("<I", b, m.start() + off, 1)
    return bytes(b)


NOTEBOOK = nbformat.writes(nbformat.v4.new_notebook()).encode()
ZIPS = {
    "dotdot": (lambda: _zip([("../evil_activations.ipynb", NOTEBOOK, 0)]), "../evil_activations.ipynb"),
    "absolute": (lambda: _zip([("/tmp/abs_activations.ipynb", NOTEBOOK, 0)]), "/tmp/abs_activations.ipynb"),
    "symlink": (lambda: _zip([("link_activations.ipynb", b"/etc/passwd", 0o120777)]), "link_activations.ipynb"),
    "oversize": (lambda: _zip([("big_activations.ipynb", b"0" * (80 << 20), 0)]), "big_activations.ipynb"),
    "lying sizes": (lambda: _lying(_zip([("liar_activations.ipynb", NOTEBOOK * 50, 0)])), "liar_activations.ipynb"),
}


@pytest.mark.parametrize("kind", sorted(ZIPS))
def test_unsafe_zip_is_one_error_line_naming_the_entry(kind, tmp_path, capsys):
    from autograder.grade import cli
    make, entry = ZIPS[kind]
    z = tmp_path / "class.zip"
    z.write_bytes(make())
    code = cli.main([A, str(z), "--course", str(C.REPO), "--out", str(tmp_path / "out"),
                     "--db", f"sqlite:///{tmp_path / 'gb.db'}", "--no-progress"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and entry in lines[0], err
    assert "Traceback" not in err
    import multiprocessing
    assert not multiprocessing.active_children()          # the gradebook writer ended with the run
    assert not (tmp_path / "evil_activations.ipynb").exists() and not Path("/tmp/abs_activations.ipynb").exists()


def test_safe_zip_control_grades(course_dir, tmp_path, capsys):
    from autograder.grade import cli
    z = tmp_path / "class.zip"
    z.write_bytes(_zip([("alice_activations.ipynb", nbformat.writes(_solution(course_dir)).encode(), 0)]))
    code = cli.main([A, str(z), "--course", str(course_dir), "--out", str(tmp_path / "out"),
                     "--db", f"sqlite:///{tmp_path / 'gb.db'}", "--no-progress", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 0, err[-2000:]
    row = _rows_at(tmp_path / "out")["alice"]
    assert row["status"] == "graded" and float(row["score"]) == sum(C.max_points(A).values())


def _rows_at(out):
    with open(out / "grades.csv") as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}
