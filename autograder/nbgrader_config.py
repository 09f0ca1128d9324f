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
    "autograder.sanitize.StripSolutionRegions",      # no solution/hidden region, no student HTML
]

# nbgrader's exchange, collected safely (autograder/exchange.py): no links or special files, the
# entry's owner must be the student it names, one bad entry skipped and listed, never followed.
c.ExchangeFactory.collect = "autograder.exchange.SafeExchangeCollect"

# What a student wrote never runs in a page an instructor or a learner opens (formgrader's
# submission view, nbgrader's feedback): the course's templates (autograder/templates/) extend
# nbgrader's formgrade and feedback templates and render every markdown cell through an HTML
# allow-list (autograder/sanitize.py); nbconvert's own sanitiser cleans outputs. The grader also
# writes autograded/ notebooks through the same allow-list.
import nbgrader as _nbgrader  # noqa: E402

_nbg_templates = os.path.join(os.path.dirname(_nbgrader.__file__), "server_extensions", "formgrader", "templates")
c.HTMLExporter.extra_template_basedirs = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
                                          _nbg_templates]
# nbgrader sets the template *folder* (formgrade, feedback); the course's file in that folder
# (dnn.html.j2) extends nbgrader's index.html.j2 found next on the search path. Any other
# template folder has no dnn.html.j2: rendering fails rather than going unsanitised.
c.HTMLExporter.template_file = "dnn.html.j2"
c.HTMLExporter.filters = {"dnn_clean_html": "autograder.sanitize.clean_html"}
c.HTMLExporter.sanitize_html = True

# formgrader's "Autograde" button would run student code with the instructor's privileges: in
# every process but the `nbgrader` command line it runs the sandboxed batch grader for that
# student instead (nbgrader's pre-convert hook), and nbgrader stores the notebook that grader
# produced. Fail closed: any Jupyter server, however started (jupyter lab, python -m jupyterlab,
# jupyter-server, jupyterhub-singleuser, ...), gets the sandboxed path; only `nbgrader autograde`
# typed by the instructor keeps nbgrader's own, unsandboxed, behaviour — and says so.
from autograder.hook import install_autograde_hook  # noqa: E402

install_autograde_hook(c, sys.argv)
