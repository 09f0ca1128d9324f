"""Seed stability: the same submissions graded with N different hidden-input seeds.

Builds the 40 ``activations`` submissions of ``bench_grading.py`` (solutions, every known mutant,
unusual-but-correct versions, blanks), grades them with the sandboxed batch grader once per seed
(``--seed 1 .. N``, each run with its own gradebook and output folder), and compares every
student's per-cell scores across the runs. Prints how many students got identical scores on
every seed and lists any that did not. Exit 1 if any student's scores differ.

Run: ``python benchmarks/seed_stability.py [--seeds 10]``.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grading import A, build, course  # noqa: E402


def grade(course_dir, seed, out):
    cmd = [sys.executable, "-m", "autograder.grade", A, str(course_dir / "submitted"),
           "--course", str(course_dir), "--seed", str(seed), "--no-progress", "--out", str(out),
           "--db", f"sqlite:///{out}/gradebook.db"]
    out.mkdir(parents=True)
    proc = subprocess.run(cmd, cwd=course_dir, env=course.nbgrader_env(), capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"seed {seed}: grader failed\n{proc.stderr[-2000:]}")
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    cells = [k for k in rows[0] if k.startswith("test_")]
    return {r["student_id"]: tuple(float(r[c]) for c in cells) for r in rows}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dnn-seeds-") as tmp:
        course_dir = course.make_course(Path(tmp), [A])
        kinds = build(course_dir)
        runs, start = {}, time.monotonic()
        for seed in range(1, args.seeds + 1):
            runs[seed] = grade(course_dir, seed, Path(tmp) / f"out{seed}")
        differ = [s for s in sorted(kinds) if len({runs[seed][s] for seed in runs}) != 1]
        print(f"{len(kinds)} students x {args.seeds} seeds in {time.monotonic() - start:.0f} s: "
              f"{len(kinds) - len(differ)} identical on every seed, {len(differ)} differ")
        for s in differ:
            print(f"  {s} ({kinds[s]}): " + ", ".join(f"seed {k}: {sum(v):g}" for k, v in runs.items()))
        return 1 if differ else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
