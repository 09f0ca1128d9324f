"""nbgrader configuration of the course (loaded by the repository's root ``nbgrader_config.py``).

The repository is the nbgrader course directory: instructor ("source") notebooks live in
``solutions/<assignment>/``, the student release that ``nbgrader generate_assignment`` writes goes
to ``exercises/<assignment>/``, and an instructor's ``submitted/``, ``autograded/``, ``feedback/``
and ``gradebook.db`` appear next to them (all git-ignored).
"""
import os
import sys

from autograder.kernels import socket_prefix

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
# Kernels over Unix-domain sockets: autogrades running at once never race for a TCP port
# (autograder/kernels.py). nbgrader's Execute passes its own kernel_manager_class, so the
# transport is configured on the kernel manager it creates.
c.KernelManager.transport = "ipc"  # noqa: F821
c.KernelManager.ip = socket_prefix()  # noqa: F821

# Feedback must never show hidden tests' source (nbgrader's default keeps them). The class names
# are nbgrader's own default list, with ClearHiddenTests added.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Inside a Jupyter server, formgrader's "Autograde" button would run student code with the
# instructor's privileges: there it runs the sandboxed batch grader for that student instead
# (nbgrader's pre-convert hook), and nbgrader stores the notebook that grader produced. The
# `nbgrader autograde` command itself keeps nbgrader's behaviour.
_prog = os.path.basename(sys.argv[0] if sys.argv else "")
if _prog.startswith(("jupyter-lab", "jupyter-server", "jupyter-notebook", "jupyter-nbclassic")):
    import functools

    from autograder.grade.bridge import grade_in_sandbox

    c.Autograde.pre_convert_hook = functools.partial(grade_in_sandbox, c.CourseDirectory.root)
    c.Autograde.autograde_preprocessors = ["autograder.grade.bridge.UseBatchGrader"]
    c.UseBatchGrader.course_root = c.CourseDirectory.root
