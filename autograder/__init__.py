"""The course's checking code: numerical gradients, checks and the grading pipeline.

Learners meet it through one call in each exercise's test cells::

    from autograder import load_checks
    check = load_checks("activations", globals())
    check("relu")

Layout
------
``gradcheck``   central-difference gradients in float64 and the relative error used everywhere
``probe``       the untrusted half: call a student's functions, keep what comes back (typed tree)
``probes``      one module per assignment: the probe of each item (numpy only; all a sandbox holds)
``checks``      the check framework: run a student's functions (``probe``), judge the arrays (``verify``)
``hints``       recognises known mistakes (sign flipped, factor missing, ...) in a wrong gradient
``reference``   the forward definitions the chapters teach (no backward code lives here)
``specs``       one module per assignment: inputs, tolerances and checks for each graded item
``grade``       the instructor's sandboxed, parallel batch grader (``python -m autograder.grade``)
"""
__all__ = ["load_checks"]


def load_checks(assignment, namespace):
    """See :func:`autograder.checks.load_checks` (imported on first use). In the batch grader's
    sandbox, which holds only :mod:`autograder.probe` and :mod:`autograder.probes`, the checks
    cannot be imported: the setup cell still runs, and the returned ``check`` (never called
    there — test cells are not sent to the sandbox) only says where the checks run."""
    try:
        from autograder.checks import load_checks as _load_checks
    except ImportError:
        def check(name, hidden=False, seed=None):
            raise RuntimeError("the checks run on the grading host, not in the sandbox")
        return check
    return _load_checks(assignment, namespace)
