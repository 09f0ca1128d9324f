"""The course's checking code: numerical gradients, checks and the grading pipeline.

Learners meet it through one call in each exercise's test cells::

    from autograder import load_checks
    check = load_checks("activations", globals())
    check("relu")

Layout
------
``gradcheck``   central-difference gradients in float64 and the relative error used everywhere
``checks``      the check framework: run a student's functions (``probe``), judge the arrays (``verify``)
``hints``       recognises known mistakes (sign flipped, factor missing, ...) in a wrong gradient
``reference``   the forward definitions the chapters teach (no backward code lives here)
``specs``       one module per assignment: inputs, tolerances and checks for each graded item
``grade``       the instructor's sandboxed, parallel batch grader (``python -m autograder.grade``)
"""
from autograder.checks import load_checks  # noqa: E402

__all__ = ["load_checks"]
