"""The checks separate right from wrong on every seed, not just on one.

For every exercise (``autograder/exercises.py``), with its mutants module: the instructor's solution passes every item's hidden
checks for many seeds; every mutant fails its item for every seed; every correct-but-unusual
version passes for every seed. (``benchmarks/margins.py`` prints the error margins behind this.)
"""
import importlib
import time

import pytest

import course
from autograder import exercises

ASSIGNMENTS = exercises.names()
SEEDS = range(1, 13)
BUDGET = 4.0            # seconds per (namespace, item): slow items (training loops) get fewer seeds (>= 3)


def _seeds():
    start = time.monotonic()
    for i, seed in enumerate(SEEDS):
        if i >= 3 and time.monotonic() - start > BUDGET:
            return
        yield seed


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_passes_every_seed(assignment):
    from autograder.checks import load_spec
    ns = course.solution_namespace(assignment)
    failed = [f"{item} seed {s}:\n{r.text()}" for item in load_spec(assignment).ITEMS
              for s in _seeds() if not (r := course.check_report(ns, assignment, item, s)).passed]
    assert not failed, "\n".join(failed[:3])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_fail_every_seed_and_unusual_pass(assignment):
    mutants = importlib.import_module(f"mutants.{assignment}")
    wrong = []
    for table, must_pass in ((mutants.MUTANTS, False), (mutants.UNUSUAL, True)):
        for name, (item, code, *_) in table.items():
            ns = course.mutant_namespace(assignment, code)
            for s in _seeds():
                if course.check_report(ns, assignment, item, s).passed != must_pass:
                    wrong.append(f"{name}: item {item} {'failed' if must_pass else 'passed'} with seed {s}")
                    break
    assert not wrong, "\n".join(wrong)
