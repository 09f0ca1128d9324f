"""The instructor's batch grader: sandboxed, parallel, judged outside the student's interpreter.

    python -m autograder.grade ASSIGNMENT SUBMISSIONS [--workers N] [--db URL] [--out DIR]

``collect`` finds submissions, ``notebook`` reads and inspects them, ``sandbox`` runs each one
in isolation (``runner`` is what runs inside), ``batch`` judges the results on the host in
parallel, ``bridge`` writes the scores into nbgrader's gradebook through nbgrader itself, and
``outputs`` writes the CSV, the feedback pages and the class summary.
"""
