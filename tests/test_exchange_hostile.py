"""nbgrader's exchange with two real OS users (issue 21, §3): the whole cycle — release, fetch,
submit, collect, grade, feedback — with a student who attacks the shared inbound folder, and an
honest classmate whose work must come through untouched.

The attacks (each an inbound entry of its own, all dated after the attacker's real submission):
a notebook that is a link to ``solutions/``, a FIFO, a link to ``/dev/zero``, a link to the
classmate's collected notebook (dangling at collect time), the entry itself a link to
``solutions/``, and a forged ``<classmate>+<assignment>+<later time>`` holding a blank notebook.
The attacker's real submission is a copy of the instructor's solution notebook: collected,
graded with the status "suspicious", and her feedback carries no solution region.

Needs root (creates users ``hostile*``, removed afterwards) and bubblewrap (to let the users run
this interpreter when it lives under ``/root``).
"""
from __future__ import annotations

import csv
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

import course as C

A = "activations"
NB = f"{A}.ipynb"
LATER = "2030-01-0{} 00:00:00.000000 UTC"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("bwrap"),
                                reason="needs root, useradd and bwrap (creates two OS users)")


def as_user(user, argv, cwd, check=True):
    """Run ``argv`` as OS user ``user`` (real uid/gid), able to run this interpreter."""
    pw = pwd.getpwnam(user)
    wrap = []
    base = os.path.realpath(sys.base_prefix)
    if base.startswith("/root/"):            # /root is 0700: show the Python installation only
        wrap = ["bwrap", "--dev-bind", "/", "/", "--tmpfs", "/root", "--ro-bind", base, base, "--"]
    env = {"HOME": pw.pw_dir, "USER": user, "LANG": "C.UTF-8", "PYTHONWARNINGS": "ignore",
           "PATH": f"{C.BIN}:/usr/bin:/bin"}
    proc = subprocess.run([*wrap, "setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                           "--clear-groups", *argv], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"{user}: {argv} failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    return proc


@pytest.fixture(scope="module")
def users():
    tag = secrets.token_hex(3)
    names = {"alice": f"hostilea{tag}", "mallory": f"hostilem{tag}"}
    try:
        for name in names.values():
            subprocess.run(["useradd", "-m", "-s", "/bin/sh", name], check=True)
        yield names
    finally:
        for name in names.values():
            subprocess.run(["pkill", "-KILL", "-u", name], stderr=subprocess.DEVNULL)   # by uid, ours only
            subprocess.run(["userdel", "-r", name], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def cycle(users):
    base = Path(tempfile.mkdtemp(prefix="hostile-exchange-", dir="/tmp"))
    os.chmod(base, 0o755)
    try:
        yield _run_cycle(base, users)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_cycle(base, users):
    alice, mallory = users["alice"], users["mallory"]
    exchange = base / "exchange"
    exchange.mkdir(mode=0o755)
    course = C.make_course(base, [A])
    os.chmod(course, 0o755)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"c.Exchange.root = {str(exchange)!r}\n")
    C.nbgrader(course, "release_assignment", A, "--force")
    homes = {}
    for user in users.values():
        home = Path(pwd.getpwnam(user).pw_dir)
        homes[user] = home
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.course_id = 'dnn-learn'\n")
        as_user(user, ["nbgrader", "fetch_assignment", A], home)

    # alice: her own correct work; mallory: the instructor's solution notebook, copied
    honest = C.fill(C.released(course, A, NB), C.solution_sources(A, NB))
    work = homes[alice] / A / NB
    nbformat.write(honest, work)
    shutil.chown(work, alice, alice)
    as_user(alice, ["nbgrader", "submit", A], homes[alice])
    as_user(mallory, ["cp", str(course / "solutions" / A / NB), str(homes[mallory] / A / NB)], homes[mallory])
    as_user(mallory, ["nbgrader", "submit", A], homes[mallory])

    inbound = exchange / "dnn-learn" / "inbound"
    sol = course / "solutions" / A / NB
    blank = course / "exercises" / A / NB
    attacks = {
        f"{mallory}+{A}+{LATER.format(1)}+link": f"ln -s {sol} '{{e}}/{NB}'",
        f"{mallory}+{A}+{LATER.format(2)}+fifo": f"mkfifo '{{e}}/{NB}'",
        f"{mallory}+{A}+{LATER.format(3)}+zero": f"ln -s /dev/zero '{{e}}/{NB}'",
        f"{mallory}+{A}+{LATER.format(4)}+mate": f"ln -s {course}/submitted/{alice}/{A}/{NB} '{{e}}/{NB}'",
        f"{alice}+{A}+{LATER.format(5)}+forged": f"cp {blank} '{{e}}/{NB}'",
    }
    for entry, make in attacks.items():
        e = inbound / entry
        as_user(mallory, ["sh", "-c", f"mkdir '{e}' && echo '{entry.split('+')[2]}' > '{e}/timestamp.txt' && "
                                      + make.format(e=e)], base)
    as_user(mallory, ["ln", "-s", str(course / "solutions" / A), str(inbound / f"{mallory}+{A}+{LATER.format(6)}+dir")], base)

    collect = C.nbgrader(course, "collect", A, check=False)
    grade = subprocess.run([sys.executable, "-m", "autograder.grade", A, "submitted", "--no-progress"],
                           cwd=course, capture_output=True, text=True, timeout=1800, env=C.nbgrader_env())
    C.nbgrader(course, "generate_feedback", A, "--force")
    C.nbgrader(course, "release_feedback", A)
    for user in users.values():
        as_user(user, ["nbgrader", "fetch_feedback", A], homes[user])
    return {"course": course, "collect": collect, "grade": grade, "homes": homes, "users": users,
            "attacks": attacks, "honest": nbformat.writes(honest)}


def test_collect_skips_each_bad_entry_with_a_reason_and_collects_the_rest(cycle):
    course, users, out = cycle["course"], cycle["users"], cycle["collect"].stdout
    alice, mallory = users["alice"], users["mallory"]
    assert cycle["collect"].returncode != 0, out[-3000:]            # needs a look
    listing = (course / "submitted" / "collect-skipped.txt").read_text()
    reasons = {line.split("\t")[1]: line.split("\t")[2] for line in listing.splitlines()}
    assert len(reasons) == 6, listing
    by_kind = {name.rsplit("+", 1)[1]: why for name, why in reasons.items()}
    assert "symbolic link" in by_kind["link"] and "FIFO" in by_kind["fifo"]
    assert "symbolic link" in by_kind["zero"] and "symbolic link" in by_kind["mate"]
    assert f"belongs to {mallory}" in by_kind["forged"] and "not a plain folder" in by_kind["dir"]
    # the honest classmate's own work, not the forged later blank; the attacker's real entry
    got = {u: (course / "submitted" / u / A / NB).read_bytes() for u in (alice, mallory)}
    assert nbformat.reads(got[alice].decode(), 4) == nbformat.reads(cycle["honest"], 4)
    assert got[mallory] == (course / "solutions" / A / NB).read_bytes()
    for u in (alice, mallory):
        folder = course / "submitted" / u / A
        assert not any(p.is_symlink() for p in folder.rglob("*"))
        assert (folder / "timestamp.txt").read_text().startswith("20")


def test_grades_and_feedback_seen_by_the_students(cycle):
    course, users, grade = cycle["course"], cycle["users"], cycle["grade"]
    alice, mallory = users["alice"], users["mallory"]
    assert grade.returncode == 1, grade.stderr[-3000:]               # mallory needs a look
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grading" / A / "grades.csv"))}
    full = sum(C.max_points(A).values())
    assert rows[alice]["status"] == "graded" and float(rows[alice]["score"]) == full, rows[alice]
    assert rows[mallory]["status"] == "suspicious", rows[mallory]
    assert "identical to the instructor's solution" in grade.stderr
    for user in (alice, mallory):
        pages = list((cycle["homes"][user] / A / "feedback").rglob(f"{A}.html"))
        assert len(pages) == 1, (user, pages)
        html = pages[0].read_text()
        assert "BEGIN SOLUTION" not in html and "BEGIN HIDDEN" not in html and "END SOLUTION" not in html
    stored = (course / "autograded" / mallory / A / NB).read_text()
    assert "BEGIN SOLUTION" not in stored and "removed by the grader" in stored
    honest_answers = [s for s in C.solution_sources(A, NB).values()]
    alice_fb = nbformat.read(course / "autograded" / alice / A / NB, as_version=4)
    assert any(a.strip() and a.strip() in c.source for c in alice_fb.cells for a in honest_answers)
