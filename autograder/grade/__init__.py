"""The instructor's batch grader: sandboxed, parallel, judged outside the student's interpreter.

    python -m autograder.grade ASSIGNMENT SUBMISSIONS [--workers N] [--db URL] [--out DIR]

Nouns at the bottom, order in the middle, a shell on top:

``cli``             argparse -> ``GradeOptions`` -> ``pipeline.grade_class`` -> exit status
``pipeline``        the four stages of a run: prepare, collect, grade, report
``batch``           one sandboxed run per submission, in parallel, judged on the host
``collect``         finding the submissions, whatever shape they arrive in
``notebook``        reading a submitted notebook: parse, tampering, the cells to run
``gradebook``       nbgrader's gradebook, through one writer process: prepared, written, read back
``autograde``       nbgrader's autograde steps for one student, driven directly (the writer's)
``nbgrader_hooks``  what nbgrader calls back into (autograde step, formgrader's button)
``reports``         CSV, feedback pages and class summary (Jinja2 templates in ``templates/``)
``sandbox_output``  reading what a sandbox left behind, treating every byte as hostile
``sandbox``         running one submission in isolation (``runner`` is what runs inside)
``progress``        the progress line
``model``           Status, Submission, Verdict, Result, Release, GradeOptions, size limits
``text``            the one rule for showing student-controlled text; hidden-verdict redaction
"""
