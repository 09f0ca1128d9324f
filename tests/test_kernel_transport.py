"""Kernels started by the book build and by nbgrader never race for a TCP port.

Two kernels started at once by different processes could be handed the same free port
(jupyter/jupyter_client#276): the book build then failed by chance. Every kernel the course
starts uses :class:`autograder.kernels.IPCKernelManager` (Unix-domain sockets with random
names); these tests check that the book build and nbgrader are configured with it and that it
runs code. benchmarks/build_stress.py runs many consecutive parallel builds.
"""
from __future__ import annotations

import glob
import sys

import nbformat
import yaml
from nbclient import NotebookClient
from traitlets.config.loader import PyFileConfigLoader

from autograder.kernels import IPCKernelManager
from conftest import REPO_ROOT


def test_ipc_kernel_runs_code_and_removes_its_sockets():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("6 * 7")])
    client = NotebookClient(nb, kernel_name="python3", timeout=120, kernel_manager_class=IPCKernelManager)
    km = client.create_kernel_manager()
    prefix = km.ip
    client.execute()
    assert km.transport == "ipc"
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == "42"
    assert not glob.glob(prefix + "-*"), "the kernel's socket files were left behind"


def test_each_kernel_gets_its_own_socket_names():
    first, second = IPCKernelManager(), IPCKernelManager()
    assert first.transport == second.transport == "ipc"
    assert first.ip != second.ip


def test_book_build_executes_chapters_with_ipc_kernels():
    extensions = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())["sphinx"]["local_extensions"]
    assert extensions.get("kernel_transport") == "book/_ext"
    sys.path.insert(0, str(REPO_ROOT / "book" / "_ext"))
    try:
        import kernel_transport
    finally:
        sys.path.remove(str(REPO_ROOT / "book" / "_ext"))
    kernel_transport.setup(None)
    from myst_nb.core.execute import cache, direct
    for module in (direct, cache):
        assert module.single_nb_execution.keywords["kernel_manager_class"] is IPCKernelManager


def test_nbgrader_executes_with_ipc_kernels():
    loader = PyFileConfigLoader("nbgrader_config.py", path=str(REPO_ROOT))
    from nbgrader.preprocessors import Execute

    config = loader.load_config()
    execute = Execute(config=config)
    km = execute.kernel_manager_class(kernel_name="python3", config=execute.config)  # as nbclient makes it
    assert km.transport == "ipc" and "dnn-kernel-" in km.ip
