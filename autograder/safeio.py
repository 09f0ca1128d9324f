"""Reading and copying files a student controls, without following links.

Every file is opened with ``O_NOFOLLOW | O_NONBLOCK`` relative to a folder opened the same way
(so no component of the path under that folder can be a link), checked to be a regular file
with ``fstat`` on the open descriptor (no FIFO, device or socket; no time window between check
and use) and read with a byte cap. Optionally the file must belong to a given uid and have a
single name (a hard link to someone else's file has more).

:class:`Unsafe` carries a one-line reason meant for the instructor.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 32 << 20            # one notebook or data file
MAX_TOTAL_BYTES = 256 << 20          # one submission folder
MAX_ENTRIES = 2_000
MAX_DEPTH = 8
_NOFOLLOW = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class Unsafe(Exception):
    """A file or folder that is not read (the message says why)."""


def _kind(mode):
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _open_dir(path, dir_fd=None):
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
    except OSError as exc:
        raise Unsafe(f"{Path(path).name}: not a plain folder ({os.strerror(exc.errno)})") from None


def _read_fd(fd, name, cap, owner=None):
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise Unsafe(f"{name}: {_kind(st.st_mode)}, not a regular file")
    if owner is not None and st.st_uid != owner:
        raise Unsafe(f"{name}: owned by uid {st.st_uid}, not by the student (uid {owner})")
    if owner is not None and st.st_nlink != 1:
        raise Unsafe(f"{name}: has {st.st_nlink} names (a hard link)")
    if st.st_size > cap:
        raise Unsafe(f"{name}: {st.st_size} bytes, more than the limit of {cap}")
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, min(1 << 20, cap + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            raise Unsafe(f"{name}: more than the limit of {cap} bytes")
    return b"".join(chunks)


def read_regular(path, cap=MAX_FILE_BYTES, owner=None) -> bytes:
    """The bytes of ``path`` if its last component is a regular file (not a link) of at most
    ``cap`` bytes; else :class:`Unsafe`."""
    path = Path(path)
    dfd = _open_dir(str(path.parent) or ".")
    try:
        try:
            fd = os.open(path.name, os.O_RDONLY | _NOFOLLOW, dir_fd=dfd)
        except OSError as exc:
            try:
                mode = os.lstat(path.name, dir_fd=dfd).st_mode
                raise Unsafe(f"{path.name}: {_kind(mode)}, not a regular file") from None
            except FileNotFoundError:
                raise Unsafe(f"{path.name}: missing") from None
            except OSError:
                raise Unsafe(f"{path.name}: cannot be opened ({os.strerror(exc.errno)})") from None
        try:
            return _read_fd(fd, path.name, cap, owner)
        finally:
            os.close(fd)
    finally:
        os.close(dfd)


def read_tree(folder, owner=None, ignore=(".ipynb_checkpoints", "__pycache__"),
              file_cap=MAX_FILE_BYTES, total_cap=MAX_TOTAL_BYTES) -> dict[str, bytes]:
    """Every regular file under ``folder`` as ``{relative path: bytes}``; :class:`Unsafe` at the
    first link, special file, foreign owner (``owner`` uid), hard link, or limit exceeded. The
    folder itself must not be a link and (with ``owner``) must belong to ``owner``."""
    out: dict[str, bytes] = {}
    total = [0]

    def walk(fd, prefix, depth):
        if depth > MAX_DEPTH:
            raise Unsafe(f"{prefix or '.'}: folders nested deeper than {MAX_DEPTH}")
        st = os.fstat(fd)
        if owner is not None and st.st_uid != owner:
            raise Unsafe(f"{prefix or 'the submission folder'}: owned by uid {st.st_uid}, not by the student (uid {owner})")
        for name in sorted(os.listdir(fd)):
            if name in ignore:
                continue
            rel = f"{prefix}{name}"
            if len(out) >= MAX_ENTRIES:
                raise Unsafe(f"more than {MAX_ENTRIES} files")
            mode = os.lstat(name, dir_fd=fd).st_mode
            if stat.S_ISDIR(mode):
                sub = _open_dir(name, dir_fd=fd)
                try:
                    walk(sub, rel + "/", depth + 1)
                finally:
                    os.close(sub)
                continue
            if not stat.S_ISREG(mode):
                raise Unsafe(f"{rel}: {_kind(mode)}, not a regular file")
            try:
                f = os.open(name, os.O_RDONLY | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                raise Unsafe(f"{rel}: cannot be opened ({os.strerror(exc.errno)})") from None
            try:
                data = _read_fd(f, rel, file_cap, owner)
            finally:
                os.close(f)
            total[0] += len(data)
            if total[0] > total_cap:
                raise Unsafe(f"the files add up to more than {total_cap} bytes")
            out[rel] = data

    top = _open_dir(str(folder))
    try:
        walk(top, "", 0)
    finally:
        os.close(top)
    return out


def write_tree(files: dict[str, bytes], dest, file_mode=0o644, dir_mode=0o755):
    """Write ``{relative path: bytes}`` (as :func:`read_tree` returned) under a new ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=False, mode=dir_mode)
    for rel, data in files.items():
        target = dest / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise Unsafe(f"{rel}: not a plain relative path")
        target.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, file_mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def copy_regular(src, dst, cap=MAX_FILE_BYTES):
    """Copy one regular file (never a link or special file) to ``dst`` (replaced)."""
    data = read_regular(src, cap)
    tmp = Path(dst).with_name(Path(dst).name + ".tmp-copy")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, dst)
