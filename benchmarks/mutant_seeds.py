"""Mutants across hidden seeds: does a known wrong version ever keep an item it must lose?

Every run of the grader draws the hidden inputs from a fresh seed, so a check that catches a
mistake on most draws but not all makes a wrong submission pass by chance (and the suite's
mutant tests fail by chance). For each exercise, each mutant of ``tests/mutants/<exercise>.py``
and each item it must lose, this judges the mutant in-process (probe + verify, no sandbox) on
hidden seeds 0 .. N-1 and lists the seeds on which it passed. Exit 1 if any did.

Run: ``python benchmarks/mutant_seeds.py [--seeds 100] [exercise ...]`` (default: every exercise;
``--budget`` seconds per exercise, after which the seeds done so far are reported).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import course  # noqa: E402
from autograder import exercises  # noqa: E402
from autograder.checks import draw_cases, load_spec, run_probe, verify  # noqa: E402


def scan(assignment, seeds, budget):
    """{(mutant, item): [seeds it passed on]} and how many seeds were tried."""
    mutants = importlib.import_module(f"mutants.{assignment}").MUTANTS
    spec = load_spec(assignment)
    found, start, tried = {}, time.monotonic(), 0
    namespaces = {}
    for name, (item, code, *rest) in mutants.items():
        with contextlib.redirect_stdout(io.StringIO()):
            namespaces[name] = course.mutant_namespace(assignment, code)
    for seed in range(seeds):
        if time.monotonic() - start > budget:
            break
        tried += 1
        drawn = {}                          # item -> this seed's hidden cases, shared by the mutants
        for name, (item, code, *rest) in mutants.items():
            for it in (item, *(rest[0] if rest else ())):
                check = spec.ITEMS[it]
                if it not in drawn:            # read-only, as the batch grader shares them
                    drawn[it] = draw_cases(check, hidden=True, seed=seed)
                    for case in drawn[it]:
                        for v in case.values():
                            if isinstance(v, np.ndarray):
                                v.setflags(write=False)
                cases = drawn[it]
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    report = verify(check, cases, run_probe(check, namespaces[name], cases))
                    if report.wrote_read_only:     # judged again on copies, as the batch does
                        copies = [{k: np.array(v, copy=True) for k, v in c.items()} for c in cases]
                        report = verify(check, copies, run_probe(check, namespaces[name], copies))
                    passed = report.passed
                if passed:
                    found.setdefault((name, it), []).append(seed)
    return found, tried


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exercises", nargs="*")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--budget", type=float, default=600.0, help="seconds per exercise")
    args = ap.parse_args()
    bad = False
    for assignment in args.exercises or exercises.names():
        found, tried = scan(assignment, args.seeds, args.budget)
        print(f"{assignment}: {tried} seeds, {len(found)} mutant/item pairs passed on some seed", flush=True)
        for (name, item), seeds in found.items():
            bad = True
            print(f"  {name!r} keeps {item} on {len(seeds)}/{tried} seeds: {seeds[:10]}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
