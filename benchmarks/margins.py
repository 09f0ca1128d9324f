"""Error margins of every check: the worst relative error a correct solution shows over many
hidden seeds, and the best (smallest) error a mutant shows on the check that catches it.

    .venv/bin/python benchmarks/margins.py [assignment ...] [--seeds N]
"""
import argparse
import importlib
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import course  # noqa: E402

from autograder import exercises  # noqa: E402
from autograder.checks import load_spec  # noqa: E402


def errors(report):
    """label -> (largest error over the cases, tolerance, all passed)."""
    out = {}
    for o in report.outcomes:
        if o.error is not None:
            err, _, ok = out.get(o.label, (0.0, o.tol, True))
            out[o.label] = (max(err, o.error), o.tol, ok and o.passed)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("assignments", nargs="*")
    ap.add_argument("--seeds", type=int, default=100)
    args = ap.parse_args()
    names = args.assignments or exercises.names()
    for assignment in names:
        spec = load_spec(assignment)
        mutants = importlib.import_module(f"mutants.{assignment}")
        worst = defaultdict(float)
        tol = {}
        ns = course.solution_namespace(assignment)
        for item in spec.ITEMS:
            for seed in range(args.seeds):
                for label, (err, t, _) in errors(course.check_report(ns, assignment, item, seed)).items():
                    worst[(item, label)] = max(worst[(item, label)], err)
                    tol[(item, label)] = t
        best = {}          # check label -> (smallest decisive error over seeds, mutant)
        caught = 0
        for name, (item, code, *_) in mutants.MUTANTS.items():
            mns = course.mutant_namespace(assignment, code)
            failed_every_seed = True
            for seed in range(max(3, args.seeds // 10)):
                report = course.check_report(mns, assignment, item, seed)
                failed_every_seed &= not report.passed
                # the check that decides: the failed one furthest past its tolerance; a failed
                # type/shape/dtype check (no error value) decides outright and is not a margin
                failing = [o for o in report.outcomes if not o.passed]
                if not failing or any(o.error is None for o in failing):
                    continue
                decisive = max(failing, key=lambda o: o.error / o.tol)
                key = (item, decisive.label)
                if decisive.error < best.get(key, (float("inf"), ""))[0]:
                    best[key] = (decisive.error, name)
            caught += failed_every_seed
        print(f"\n== {assignment}: {len(mutants.MUTANTS)} mutants, {caught} caught on every seed "
              f"({args.seeds} seeds for the solution)")
        print(f"{'item':18s} {'check':58s} {'worst correct':>13s} {'tolerance':>9s} {'best mutant':>11s}")
        for key in sorted(worst):
            b = best.get(key)
            print(f"{key[0]:18s} {key[1][:58]:58s} {worst[key]:13.1e} {tol[key]:9.0e} "
                  f"{(f'{b[0]:.1e}' if b else '—'):>11s}")


if __name__ == "__main__":
    main()
