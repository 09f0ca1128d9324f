"""Jupyter kernels that talk over Unix-domain sockets, so that parallel kernels never share a port.

A kernel over TCP needs five ports. jupyter_client picks them by binding port 0, reading the
port the OS chose, and *closing* the socket; the kernel binds them again a moment later. Two
processes that start kernels at the same time (the book build's parallel Sphinx workers, the
test suite's xdist workers running nbgrader) can be handed the same free port in that gap: one
kernel then dies with "ZMQError: Address already in use" and its client with "Kernel died
before replying to kernel_info" (jupyter/jupyter_client#276, nteract/papermill#511).
jupyter_client's ``LocalPortCache`` only keeps the ports of one process apart.

:class:`IPCKernelManager` uses ZeroMQ's ``ipc`` transport instead: each channel is a socket
file named after a fresh random prefix (``<tmp>/dnn-kernel-<16 hex>-<n>``), so there is no
shared number space to race for. jupyter_client removes the files when the kernel is shut
down. The book build uses it (``book/_ext/kernel_transport.py``). nbgrader's Execute step
insists on its own kernel manager class, so ``autograder/nbgrader_config.py`` configures that
one with the same transport and one :func:`socket_prefix` per nbgrader process (each process
runs its kernels one at a time).
"""
import os
import tempfile
import uuid

from jupyter_client import AsyncKernelManager
from traitlets import CaselessStrEnum

#: Longest socket path Linux accepts (``sun_path`` is 108 bytes with its terminating NUL).
MAX_SOCKET_PATH = 107


class IPCKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose kernels listen on Unix-domain sockets with unique names."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def _ip_default(self) -> str:
        return socket_prefix()


def socket_prefix() -> str:
    """A fresh path prefix for a kernel's sockets (jupyter_client appends ``-<n>`` per channel:
    it skips names that exist, so kernels started one after another may share a prefix)."""
    prefix = os.path.join(tempfile.gettempdir(), f"dnn-kernel-{uuid.uuid4().hex[:16]}")
    if len(prefix) + 3 > MAX_SOCKET_PATH:   # fail closed: never fall back to TCP ports
        raise RuntimeError(f"kernel socket path too long ({prefix!r}): set TMPDIR to a short directory")
    return prefix
