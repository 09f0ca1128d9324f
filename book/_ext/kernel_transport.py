"""Local Sphinx extension: MyST-NB's kernels run over Unix-domain sockets (no TCP port race).

MyST-NB executes each chapter (modes "force" and "cache") through ``jupyter_cache``'s ``single_nb_execution``, which passes
extra keyword arguments on to nbclient's ``NotebookClient``; MyST-NB itself offers no setting
for the kernel manager. This extension binds ``kernel_manager_class`` to
:class:`autograder.kernels.IPCKernelManager` there, in the build's main process, before Sphinx
forks its parallel readers (``book/_ext/jb_parallel.py``), so that two chapters executed at
once can never be handed the same port (see :mod:`autograder.kernels`).
"""
import functools

from autograder.kernels import IPCKernelManager


#: The MyST-NB modules that call ``single_nb_execution`` (execution modes "force" and "cache").
EXECUTORS = ("myst_nb.core.execute.direct", "myst_nb.core.execute.cache")


def use_ipc_kernels() -> None:
    """Make every MyST-NB execution that starts its own kernel start an IPC kernel."""
    import importlib

    for name in EXECUTORS:
        module = importlib.import_module(name)
        run = module.single_nb_execution
        if getattr(run, "keywords", {}).get("kernel_manager_class") is not IPCKernelManager:
            module.single_nb_execution = functools.partial(run, kernel_manager_class=IPCKernelManager)


def setup(app):
    use_ipc_kernels()
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
