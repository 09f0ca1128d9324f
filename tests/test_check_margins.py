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


LUCKY_DROPOUT = """
class Dropout(Dropout):
    # Correct, and as lucky as chance allows: the second forward repeats the first mask whenever two
    # honest masks could coincide with probability at least SAME_MASK.
    def forward(self, x):
        from autograder.specs.normalization import SAME_MASK
        q = self.q
        if self.train and getattr(self, "_first", None) is not None and self._first.shape == x.shape \\
                and (q * q + (1 - q) ** 2) ** x.size >= SAME_MASK:
            self.scale = self._first
            return x * self.scale
        out = super().forward(x)
        self._first = self.scale
        return out
"""


def test_a_check_that_chance_decides_never_fails_a_correct_layer():
    # "every forward draws a new mask" is judged only where two honest masks coincide with
    # probability below SAME_MASK: a layer whose masks coincide where they may is still correct.
    ns = course.mutant_namespace("normalization", LUCKY_DROPOUT)
    failed = [s for s in SEEDS if not course.check_report(ns, "normalization", "dropout", s).passed]
    assert not failed, f"a correct (lucky) dropout failed hidden seeds {failed}"
