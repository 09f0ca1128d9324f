"""nbgrader configuration of the course (loaded by the repository's root ``nbgrader_config.py``).

The repository is the nbgrader course directory: instructor ("source") notebooks live in
``solutions/<assignment>/``, the student release that ``nbgrader generate_assignment`` writes goes
to ``exercises/<assignment>/``, and an instructor's ``submitted/``, ``autograded/``, ``feedback/``
and ``gradebook.db`` appear next to them (all git-ignored).
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

# The course root is the directory holding the root nbgrader_config.py that loads this file
# (or this file's parent's parent when loaded directly).
c.CourseDirectory.root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # noqa: F821
c.CourseDirectory.course_id = "dnn-learn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# What a learner sees in place of the solution regions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Execution during autograde: generous per-cell limit, and a hard failure on timeout.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback must never show hidden tests' source (nbgrader's default keeps them).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.CSSHTMLHeaderPreprocessor",
]
