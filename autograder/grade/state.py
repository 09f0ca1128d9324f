"""Where the grader keeps state shared between its runs (the sandbox uids' lock files), and
files only it may read.

The folder is private to the user running the grader and cannot be prepared by anyone else:
as root ``/run/dnn-grade`` (``/run`` is root's, not writable by other users), otherwise
``$XDG_RUNTIME_DIR/dnn-grade`` or ``~/.cache/dnn-grade``. Every component the grader creates is
mode 0700; an existing one must be a real folder (not a link), owned by the grader's user and
writable by nobody else — if not, the grader refuses to start (one ``error:`` line). The old
``/tmp/dnn-grade-uids`` could be pre-created by any local user (locks held, links followed).
``DNN_GRADE_STATE`` names another base folder (tests).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path


class StateError(RuntimeError):
    """The private state folder is not safe to use (the message says why)."""


def base_dir() -> Path:
    if os.environ.get("DNN_GRADE_STATE"):
        return Path(os.environ["DNN_GRADE_STATE"])
    if os.geteuid() == 0 and os.path.isdir("/run"):
        return Path("/run/dnn-grade")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "dnn-grade"
    return Path.home() / ".cache" / "dnn-grade"


def _check(path: Path, private: bool):
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise StateError(f"{path} is not a plain folder (a link or a file): refusing to use it")
    if st.st_uid != os.geteuid():
        raise StateError(f"{path} belongs to uid {st.st_uid}, not to the grader's user "
                         f"(uid {os.geteuid()}): refusing to use it (remove it)")
    if st.st_mode & (0o077 if private else 0o022):
        raise StateError(f"{path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}): "
                         "refusing to use it (remove it)")


def private_dir(*parts) -> Path:
    """``base_dir()/parts...``, created 0700 where missing, every level checked."""
    base = base_dir()
    if not base.parent.is_dir():
        raise StateError(f"{base.parent} does not exist")
    pst = os.stat(base.parent)
    if pst.st_mode & 0o002 and not pst.st_mode & stat.S_ISVTX:
        raise StateError(f"{base.parent} is writable by everyone")
    path = base
    for part in ("", *parts):
        path = path / part if part else path
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        _check(path, private=True)
    return path


def check_state() -> str:
    """'' when the state folder is usable, else a one-line reason (the grader stops)."""
    if os.geteuid() != 0:
        return ""            # the uids (and their lock files) are used only by a root grader
    try:
        private_dir("uids")
    except (StateError, OSError) as exc:
        return f"grader state: {exc}"
    return ""


def write_private(path, text: str):
    """Write ``text`` to ``path`` (replaced, never through a link), readable by the grader's
    user only."""
    Path(path).unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
