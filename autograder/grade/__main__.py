import importlib.util
import sys


def _nbgrader_without_its_server_extensions():
    """``python -m autograder.grade`` uses nbgrader's modules (``api``, ``utils``, its
    preprocessors and converter), never its Jupyter server extensions — which nbgrader's package
    ``__init__`` imports (jupyter_server, tornado, the exchange): 0.45 s of the grader's 0.75 s
    start-up, paid once per run (``python -X importtime -m autograder.grade``). The package is
    registered here without running its ``__init__``; its submodules import as usual. Only in
    this command's own process: a Jupyter server or a test imports nbgrader whole."""
    if "nbgrader" in sys.modules:
        return
    spec = importlib.util.find_spec("nbgrader")
    if spec is None or not spec.submodule_search_locations:
        return                                  # not installed: the usual import error comes later
    package = importlib.util.module_from_spec(spec)
    sys.modules["nbgrader"] = package
    from nbgrader._version import __version__
    package.__version__ = __version__


_nbgrader_without_its_server_extensions()

from autograder.grade.cli import main  # noqa: E402

sys.exit(main())
