"""Benchmark: plain serial ``nbgrader autograde`` vs the sandboxed batch grader, same submissions.

Builds a throw-away course (``tests/course.py``) with 40 submissions of ``activations`` — full
solutions, every known mutant, correct-but-unusual versions and blank notebooks — then

1. times ``nbgrader autograde activations --force`` (one kernel per notebook, one after another,
   no sandbox: this is what the course did before), and reads the scores from the gradebook;
2. times ``python -m autograder.grade activations submitted`` (bubblewrap sandbox when available,
   ``--workers`` = number of cores) on the same submissions, and reads the scores again;
3. checks that every student gets the same score for every cell from both, and prints both times,
   their ratio, the cost per notebook and the sandbox mode.

Run: ``make bench`` or ``python benchmarks/bench_grading.py [--keep DIR]``. Exit 1 if the scores
disagree. Timings depend on the machine's load: run it on an idle machine for real numbers.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import course  # noqa: E402
from mutants.activations import MUTANTS, UNUSUAL  # noqa: E402

A, NB, N = "activations", "activations.ipynb", 40


def build(course_dir):
    """40 submissions; returns student -> kind."""
    answers = course.solution_sources(A, NB)
    blank = lambda: course.released(course_dir, A, NB)  # noqa: E731
    subs = {}
    for i, (name, (item, code, *_)) in enumerate(MUTANTS.items()):
        subs[f"mutant{i:02d}"] = ("mutant", course.fill(blank(), answers, {f"answer_{item}": code}))
    for i, (name, (item, code, *_)) in enumerate(UNUSUAL.items()):
        subs[f"unusual{i:02d}"] = ("unusual", course.fill(blank(), answers, {f"answer_{item}": code}))
    for i in range(3):
        subs[f"blank{i:02d}"] = ("blank", blank())
    i = 0
    while len(subs) < N:
        subs[f"solution{i:02d}"] = ("solution", course.fill(blank(), answers))
        i += 1
    for student, (_, nb) in subs.items():
        course.submit(course_dir, student, A, NB, nb)
    return {s: k for s, (k, _) in subs.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="build the course here and keep it")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-grading-"))
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o755)
    try:
        t = time.monotonic()
        course_dir = course.make_course(tmp, [A])
        kinds = build(course_dir)
        print(f"course with {len(kinds)} submissions of {A} built in {time.monotonic() - t:.1f} s "
              f"({', '.join(f'{k}: {list(kinds.values()).count(k)}' for k in sorted(set(kinds.values())))})")
        load = os.getloadavg()[0]

        t = time.monotonic()
        proc = course.nbgrader(course_dir, "autograde", A, "--force", check=False, timeout=3600)
        t_nbgrader = time.monotonic() - t
        if proc.returncode != 0:
            print(f"nbgrader autograde exited {proc.returncode}:\n{proc.stdout[-3000:]}")
        before = course.scores(course_dir, A)

        t = time.monotonic()
        new = subprocess.run([sys.executable, "-m", "autograder.grade", A, "submitted", "--course",
                              str(course_dir), "--workers", str(args.workers), "--no-progress"],
                             cwd=course_dir, env=course.nbgrader_env(), capture_output=True, text=True)
        t_new = time.monotonic() - t
        after = course.scores(course_dir, A)
        mode = next((ln.split(":", 1)[1].strip() for ln in new.stderr.splitlines()
                     if ln.startswith("sandbox:")), "unknown")
        if new.returncode != 0:
            print(f"autograder.grade exited {new.returncode}:\n{new.stderr[-3000:]}")

        disagree = [f"  {s} ({kinds[s]}): nbgrader {before.get(s)} / new {after.get(s)}"
                    for s in sorted(kinds) if before.get(s) != after.get(s)]
        n = len(kinds)
        print(f"load average at start: {load:.2f} on {os.cpu_count()} cores")
        print(f"nbgrader autograde (serial, real kernels, no sandbox): {t_nbgrader:7.1f} s  "
              f"{t_nbgrader / n:5.2f} s/notebook")
        print(f"python -m autograder.grade (--workers {args.workers}):        {t_new:7.1f} s  "
              f"{t_new / n:5.2f} s/notebook")
        print(f"speed-up: {t_nbgrader / t_new:.2f}x   sandbox: {mode}")
        if disagree:
            print(f"scores DISAGREE for {len(disagree)} of {n} students:\n" + "\n".join(disagree))
            return 1
        print(f"scores agree for all {n} students on every cell "
              f"(total {sum(sum(v.values()) for v in after.values()):g} points)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
