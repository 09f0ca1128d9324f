"""Wrong and unusual implementations of each exercise (``tests/mutants/<name>.py``).

A variant whose name contains :data:`NUMERICAL` computes a backward as a numerical derivative of
the learner's own forward: the grader flags it (status "flagged", whatever it scores), and no
other variant may be flagged (``tests/test_numdiff_flag.py``, ``tests/test_exercises.py``).
"""

NUMERICAL = "by numerical differentiation"


def numerical(name: str) -> bool:
    """The variant ``name`` differentiates numerically (the grader must flag it)."""
    return NUMERICAL in name
