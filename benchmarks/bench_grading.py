"""Benchmark: serial ``nbgrader autograde`` vs the sandboxed batch grader; where the grader's time
goes; how its cost grows with the class.

1. **Ratio.** A throw-away course (``tests/course.py``) with 40 submissions of ``activations`` —
   full solutions, every known mutant, correct-but-unusual versions and blank notebooks. Times
   ``nbgrader autograde activations --force`` (one kernel per notebook, one after another, no
   sandbox: what the course did before) and ``python -m autograder.grade`` (bubblewrap sandbox,
   ``--workers`` = cores) on the same submissions; every student must get the same score for every
   cell from both. ``--baseline DIR`` also times the grader of another checkout (e.g. an older
   commit in a git worktree) on the same submissions, side by side.
2. **Profile.** CPU seconds per phase of that batch run (the grader's ``last_run.json``): preparing
   the hidden inputs, sandbox start, interpreter start, imports, the notebook's cells, the probe,
   judging on the host, the gradebook write — against the floor: a sandbox that starts Python and
   imports NumPy, measured here.
3. **Scaling.** 40, 160 and 640 submissions: a class of 5, 20 and 80 students handing in all eight assignments (one grader
   run per assignment), total time and time per submission.

Run: ``make bench`` or ``python benchmarks/bench_grading.py [--sizes 40,160,640] [--baseline DIR]
[--keep DIR]``. Exit 1 if the scores disagree. Timings depend on the machine's load: run it on an
idle machine; the load average is printed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import course  # noqa: E402
from autograder import exercises  # noqa: E402

A, NB, N = "activations", "activations.ipynb", 40
ASSIGNMENTS = tuple(exercises.names())


def _variants(assignment):
    import importlib
    mod = importlib.import_module(f"mutants.{assignment}")
    return [("mutant", item, code) for item, code, *_ in mod.MUTANTS.values()] + \
           [("unusual", item, code) for item, code, *_ in mod.UNUSUAL.values()]


def build(course_dir, assignment, n, names=None):
    """``n`` submissions of ``assignment``: its mutants and unusual versions, 3 blanks, the rest
    full solutions, by students ``names`` (default: named after what they submit). Returns
    student -> kind."""
    nb_name = f"{assignment}.ipynb"
    answers = course.solution_sources(assignment, nb_name)
    blank = lambda: course.released(course_dir, assignment, nb_name)  # noqa: E731
    kinds = []
    for kind, item, code in _variants(assignment):
        if len(kinds) >= n - min(3, n // 4):
            break
        kinds.append((kind, lambda item=item, code=code: course.fill(blank(), answers, {f"answer_{item}": code})))
    kinds += [("blank", blank)] * min(3, n - len(kinds))
    kinds += [("solution", lambda: course.fill(blank(), answers))] * (n - len(kinds))
    names = names or [f"{kind}{i:03d}" for i, (kind, _) in enumerate(kinds)]
    for student, (_, make) in zip(names, kinds):
        course.submit(course_dir, student, assignment, nb_name, make())
    return {s: k for s, (k, _) in zip(names, kinds)}


def grade(course_dir, assignment, workers, pythonpath=None):
    """Run the batch grader; (wall seconds, its last_run.json or {}, stderr)."""
    env = course.nbgrader_env()
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", assignment, "submitted", "--course",
                           str(course_dir), "--workers", str(workers), "--no-progress", "--seed", "1"],
                          cwd=course_dir, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    if proc.returncode not in (0, 1):
        print(f"autograder.grade exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    meta = course_dir / "grading" / assignment / "last_run.json"
    run = json.loads(meta.read_text()) if meta.exists() else {}
    meta.unlink(missing_ok=True)
    return wall, run, proc.stderr


def floor(samples=15):
    """Median CPU and wall seconds of the cheapest sandboxed run that can grade anything: the same
    bubblewrap sandbox and cgroup, starting Python and importing NumPy (and, for comparison, the
    sandbox alone running /bin/true)."""
    from autograder.grade.batch import make_lib
    from autograder.grade.sandbox import Limits, Sandbox, detect
    work = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    os.chmod(work, 0o711)
    out = {}
    try:
        lib = make_lib(work)
        mode, _ = detect("auto", lib, Limits())
        sandbox = Sandbox(mode, lib, Limits())
        for label, program in (("sandbox only (/bin/true)", ["/bin/true"]),
                               ("sandbox + Python + NumPy", [sandbox.python, "-c", "import numpy"])):
            cpu, wall = [], []
            for i in range(samples):
                job = work / f"job{len(out)}-{i}"
                (job / "in").mkdir(parents=True)
                sandbox.prepare(job, 0)
                argv, env, cwd = sandbox.command(job, 0, program=program)
                dirs = sandbox.cgroups.create() if sandbox.cgroups.version else {}
                t = time.monotonic()
                r = subprocess.run(argv, cwd=cwd, env=env or {"PATH": "/usr/bin:/bin"},
                                   preexec_fn=lambda d=dirs: sandbox._preexec(d), capture_output=True)
                wall.append(time.monotonic() - t)
                cpu.append(sandbox.cgroups.cpu(dirs) if dirs else float("nan"))
                if dirs:
                    sandbox.cgroups.remove(dirs)
                if r.returncode != 0:
                    raise RuntimeError(f"{label}: {r.stderr.decode()[-300:]}")
            out[label] = (statistics.median(cpu), statistics.median(wall))
        return mode, out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_profile(run, n, floor_cpu):
    prof = run.get("profile", {})
    cpu = prof.get("cpu_seconds", {})
    if not cpu:
        print("  (no profile: the grader did not report one)")
        return
    total = sum(cpu.values())
    sandbox_phases = ("sandbox start", "interpreter start", "imports", "cells", "probe")
    print(f"  {'phase':<22}{'CPU s':>8}{'ms/sub':>9}{'share':>8}   where")
    for phase, seconds in cpu.items():
        where = "sandbox" if phase in sandbox_phases else "host" if phase != "gradebook write" else "host (writer process)"
        print(f"  {phase:<22}{seconds:8.2f}{1000 * seconds / n:9.0f}{seconds / total:8.0%}   {where}")
    print(f"  {'all phases':<22}{total:8.2f}{1000 * total / n:9.0f}")
    sandbox = sum(cpu.get(p, 0.0) for p in sandbox_phases)
    print(f"  sandbox CPU per submission {1000 * sandbox / n:.0f} ms; the floor (sandbox + Python + NumPy) "
          f"{1000 * floor_cpu:.0f} ms, i.e. {sandbox / n / floor_cpu:.2f}x the floor; whole grader "
          f"{total / n / floor_cpu:.2f}x the floor ({prof.get('sandbox_profiled', 0)}/{n} submissions profiled)")


def scaling(tmp, sizes, workers):
    print(f"\n== 3. Scaling: a class hands in all {len(ASSIGNMENTS)} assignments (submissions = students × "
          f"{len(ASSIGNMENTS)}), one grader run per assignment, --workers {workers} ==")
    print(f"  {'submissions':>11}{'wall s':>9}{'ms/sub':>9}{'CPU s':>9}{'CPU ms/sub':>12}{'vs first':>10}   per-phase ms/sub")
    first = None
    for n in sizes:
        course_dir = course.make_course(tmp / f"scale{n}", ASSIGNMENTS)
        students = [f"student{i:03d}" for i in range(n // len(ASSIGNMENTS))]
        for a in ASSIGNMENTS:                     # every student hands in every assignment
            build(course_dir, a, len(students), students)
        load = os.getloadavg()[0]
        wall, cpu, phases = 0.0, 0.0, {}
        for a in ASSIGNMENTS:
            w, run, err = grade(course_dir, a, workers)
            wall += w
            for phase, s in run.get("profile", {}).get("cpu_seconds", {}).items():
                phases[phase] = phases.get(phase, 0.0) + s
                cpu += s
        per_sub = wall / n
        first = first or per_sub
        top = ", ".join(f"{p} {1000 * s / n:.0f}" for p, s in sorted(phases.items(), key=lambda x: -x[1])[:4])
        print(f"  {n:>11}{wall:9.1f}{1000 * per_sub:9.0f}{cpu:9.1f}{1000 * cpu / n:12.0f}{per_sub / first:9.2f}x"
              f"   {top}   (load {load:.1f})")
        shutil.rmtree(course_dir.parent, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, help="build the courses here and keep them")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", default="40,160,640", help="class sizes for the scaling table ('' to skip)")
    ap.add_argument("--baseline", type=Path, help="also time the grader of this checkout (same venv)")
    args = ap.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-grading-"))
    tmp.mkdir(parents=True, exist_ok=True)
    os.chmod(tmp, 0o755)
    try:
        print(f"== 1. Serial nbgrader autograde vs the batch grader: {N} submissions of {A} ==")
        t = time.monotonic()
        course_dir = course.make_course(tmp, [A])
        kinds = build(course_dir, A, N)
        print(f"  course built in {time.monotonic() - t:.1f} s "
              f"({', '.join(f'{k}: {list(kinds.values()).count(k)}' for k in sorted(set(kinds.values())))})")
        load = os.getloadavg()[0]

        t = time.monotonic()
        proc = course.nbgrader(course_dir, "autograde", A, "--force", check=False, timeout=3600)
        t_nbgrader = time.monotonic() - t
        if proc.returncode != 0:
            print(f"nbgrader autograde exited {proc.returncode}:\n{proc.stdout[-3000:]}")
        before = course.scores(course_dir, A)

        t_base = None
        if args.baseline:
            t_base, _, _ = grade(course_dir, A, args.workers, pythonpath=args.baseline.resolve())
            base_scores = course.scores(course_dir, A)
        t_new, run, stderr = grade(course_dir, A, args.workers)
        after = course.scores(course_dir, A)
        mode = next((ln.split(":", 1)[1].strip() for ln in stderr.splitlines() if ln.startswith("sandbox:")), "unknown")

        n = len(kinds)
        print(f"  load average at start: {load:.2f} on {os.cpu_count()} cores; sandbox: {mode}")
        print(f"  nbgrader autograde (serial, real kernels, no sandbox): {t_nbgrader:7.1f} s  {t_nbgrader / n:5.2f} s/notebook")
        if t_base is not None:
            print(f"  baseline grader ({args.baseline}, --workers {args.workers}): {t_base:7.1f} s  "
                  f"{t_base / n:5.2f} s/notebook  speed-up {t_nbgrader / t_base:.2f}x")
        print(f"  python -m autograder.grade (--workers {args.workers}):        {t_new:7.1f} s  {t_new / n:5.2f} s/notebook")
        print(f"  speed-up: {t_nbgrader / t_new:.2f}x")
        disagree = [f"  {s} ({kinds[s]}): nbgrader {before.get(s)} / grader {after.get(s)}"
                    for s in sorted(kinds) if before.get(s) != after.get(s)]
        if args.baseline:
            disagree += [f"  {s} ({kinds[s]}): baseline {base_scores.get(s)} / grader {after.get(s)}"
                         for s in sorted(kinds) if base_scores.get(s) != after.get(s)]
        if disagree:
            print(f"  scores DISAGREE for {len(disagree)} of {n} students:\n" + "\n".join(disagree))
        else:
            print(f"  scores agree for all {n} students on every cell "
                  f"(total {sum(sum(v.values()) for v in after.values()):g} points)")

        print(f"\n== 2. Where the batch grader's time goes: CPU seconds per phase, {n} submissions ==")
        mode, fl = floor()
        for label, (c, w) in fl.items():
            print(f"  floor, {label}: {1000 * c:.0f} ms CPU, {1000 * w:.0f} ms wall (median)")
        floor_cpu = fl["sandbox + Python + NumPy"][0]
        print_profile(run, n, floor_cpu)
        print(f"  wall: {t_new:.1f} s for {n} submissions on {args.workers} workers; the floor's wall for the same "
              f"work is {n * fl['sandbox + Python + NumPy'][1] / args.workers:.1f} s "
              f"({t_new / (n * fl['sandbox + Python + NumPy'][1] / args.workers):.1f}x)")

        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        if sizes:
            scaling(tmp, sizes, args.workers)
        return 1 if disagree else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
