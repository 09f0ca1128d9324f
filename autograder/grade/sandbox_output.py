"""Reading what a sandbox left behind, treating every byte as hostile.

The sandboxed runner writes ``OUT/cells.jsonl`` (one JSON line per executed cell),
``OUT/items/<item>.status.json`` and ``OUT/items/<item>/{meta.json,arrays.bin}`` (the arrays'
raw bytes; ``meta.json`` says where each one is), ``OUT/done.json``. A submission runs in that
folder and can replace any of them with a FIFO, a link to ``/dev/zero``, an index that lies about
sizes, a deeply nested JSON document or a directory tree; this module reads them so that none of
that can hang, exhaust or mislead the host:

* every path is opened component by component from the OUT folder with ``O_NOFOLLOW`` (no link
  anywhere on the way), non-blocking, and must be a regular file (``fstat``);
* every read is bounded (the file's size is checked first, and no more than the bound is read);
* JSON documents are bounded in size and nesting depth;
* every array's dtype (plain bool/int/uint/float), shape and place in ``arrays.bin`` are
  validated before it is built from the bytes already read, and the arrays together may not be
  larger than the file (:func:`parse_arrays`);
* :func:`safe_error` turns a recorded exception into text with no student-controlled content
  (hidden cases: only a built-in exception type name survives).

Anything malformed raises :class:`Hostile` (a ``ValueError``); callers turn it into "not graded".
"""
from __future__ import annotations

import builtins
import errno
import io
import json
import os
import re
import stat

import numpy as np

from autograder.checks import Captured

from autograder.probe import ARRAYS, CLASSES, OTHER_CLASS

MAX_JSON = 1 << 20               # bytes of any JSON document
MAX_DEPTH = 32                   # nesting of a JSON document
MAX_CELLS_FILE = 8 << 20         # bytes of cells.jsonl that are read
MAX_ARRAY_BYTES = 64 << 20       # bytes of one item's arrays (``arrays.bin``)
MAX_MEMBERS = 4096               # arrays per item


class Hostile(ValueError):
    """The sandbox's output is malformed, oversized or not a regular file."""


# --------------------------------------------------------------------------- files
def _open_regular(root, rel):
    """An fd of ``root/rel`` opened without following any link, or Hostile/FileNotFoundError."""
    parts = [p for p in str(rel).split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise Hostile(f"bad path {rel!r}")
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(root, flags_dir)
    try:
        for p in parts[:-1]:
            try:
                nfd = os.open(p, flags_dir, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Hostile(f"{rel}: {p} is not a plain folder") from None
                raise
            os.close(fd)
            fd = nfd
        try:
            ffd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
                          | getattr(os, "O_NOCTTY", 0), dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Hostile(f"{rel} is a link") from None
            raise
    finally:
        os.close(fd)
    st = os.fstat(ffd)
    if not stat.S_ISREG(st.st_mode):
        os.close(ffd)
        raise Hostile(f"{rel} is not a regular file")
    return ffd, st.st_size


def read_bytes(root, rel, limit, buffer=bytearray):
    """The bytes of the regular file ``root/rel`` (at most ``limit``; larger is Hostile), read
    straight into one writable buffer: a bytearray, or with ``buffer=np.empty`` an uninitialised
    uint8 array (no pass zeroing megabytes that the read overwrites at once: ``read_captured``'s
    24 MB per submission). The arrays of a result are views of it, not copies
    (:func:`parse_arrays`)."""
    fd, size = _open_regular(root, rel)
    try:
        if size > limit:
            raise Hostile(f"{rel} is {size} bytes (limit {limit})")
        buf = bytearray(size + 1) if buffer is bytearray else buffer(size + 1, np.uint8)
        total = 0                              # one byte more than the size: a file that grew is seen
        with io.FileIO(fd, "rb", closefd=False) as f:
            view = memoryview(buf)
            while total < len(buf):
                n = f.readinto(view[total:])
                if not n:
                    break
                total += n
            view.release()
            if total > size:
                raise Hostile(f"{rel} grew while it was read")
        if buffer is bytearray:
            del buf[total:]
            return buf
        return buf[:total]
    finally:
        os.close(fd)


def exists(root, rel):
    try:
        fd, _ = _open_regular(root, rel)
    except (OSError, Hostile):
        return False
    os.close(fd)
    return True


# --------------------------------------------------------------------------- JSON
def _depth_ok(obj, limit):
    """``obj`` nests no deeper than ``limit`` (a scalar is depth 1). Only containers are walked:
    the numbers and strings of a result's index are most of its entries."""
    if limit < 1:
        return False
    stack = [(obj, 1)] if isinstance(obj, (dict, list)) else []
    while stack:
        o, d = stack.pop()
        for v in (o.values() if isinstance(o, dict) else o):
            if isinstance(v, (dict, list)):
                if d + 1 > limit:
                    return False
                stack.append((v, d + 1))
            elif d + 1 > limit:
                return False
    return True


def parse_json(data: bytes, limit=MAX_JSON, depth=MAX_DEPTH):
    if len(data) > limit:
        raise Hostile("JSON document too large")
    # json's C parser recurses once per bracket, guarded by the interpreter's recursion limit: a
    # document nested thousands deep ends in RecursionError after ~1000 levels (2 ms for 10^6
    # brackets), then the depth is bounded on what was parsed
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Hostile(f"invalid JSON ({type(exc).__name__})") from None
    if not _depth_ok(doc, depth):
        raise Hostile("JSON nested too deeply")
    return doc


def read_json(root, rel, default=None, limit=MAX_JSON):
    """A JSON document of the sandbox, or ``default`` when it is absent or hostile."""
    try:
        return parse_json(read_bytes(root, rel, limit), limit)
    except (OSError, Hostile):
        return default


def read_cells(root, rel="cells.jsonl", limit=MAX_CELLS_FILE):
    """The per-cell records (dicts) of ``cells.jsonl``; a bad line is skipped, and a file
    larger than ``limit`` is read no further than ``limit`` (later lines are lost, never the
    host's memory)."""
    try:
        fd, size = _open_regular(root, rel)
    except (OSError, Hostile):
        return []
    try:
        data = os.read(fd, limit) if size else b""
    finally:
        os.close(fd)
    cells = []
    for line in data.split(b"\n"):
        if not line.strip() or len(line) > 64 << 10:
            continue
        try:
            doc = parse_json(line, depth=4)
        except Hostile:
            continue
        if isinstance(doc, dict):
            cells.append(doc)
    return cells


# --------------------------------------------------------------------------- arrays
_DTYPE = re.compile(r"[<>|=]?[biuf]\d{1,2}")


def parse_arrays(index, data):
    """``{name: array}`` from the index ``meta.json`` holds (``{name: [dtype, shape, offset]}``)
    and the bytes of ``arrays.bin`` (a bytearray or uint8 array), validated before any array is built: a plain
    bool/int/uint/float dtype, a shape of non-negative ints, bytes inside the file, and all the
    arrays together no larger than the file (entries pointing at the same bytes cannot multiply
    what the host holds). Each array is a writable view of ``data`` — the 24 MB of a result are
    read once, not copied twice more — or, when it is not in native byte order, not aligned or
    shares bytes with another array, a copy: no two arrays share memory."""
    if not isinstance(index, dict):
        raise Hostile("meta.json has no index of the arrays")
    if len(index) > MAX_MEMBERS:
        raise Hostile("too many arrays")
    entries, total = [], 0
    for name, entry in index.items():
        what = repr(str(name)[:80])
        if not (isinstance(entry, list) and len(entry) == 3):
            raise Hostile(f"{what}: malformed index entry")
        descr, shape, offset = entry
        if not isinstance(descr, str) or not _DTYPE.fullmatch(descr):
            raise Hostile(f"{what}: dtype {str(descr)[:20]!r} not allowed")
        try:
            dtype = np.dtype(descr)
        except TypeError:
            raise Hostile(f"{what}: dtype {descr!r} not allowed") from None
        if dtype.kind not in "biuf" or dtype.hasobject or dtype.names is not None:
            raise Hostile(f"{what}: dtype {descr!r} not allowed")
        if not isinstance(shape, list) or len(shape) > 32 or not all(type(s) is int and 0 <= s for s in shape):
            raise Hostile(f"{what}: bad shape")
        if type(offset) is not int or offset < 0:
            raise Hostile(f"{what}: bad offset")
        count = 1
        for n in shape:
            count *= n
            if count * dtype.itemsize > MAX_ARRAY_BYTES:
                raise Hostile(f"{what}: too large")
        nbytes = count * dtype.itemsize
        total += nbytes
        if offset + nbytes > len(data) or total > len(data):
            raise Hostile(f"{what}: {nbytes} bytes at {offset} of a {len(data)}-byte file")
        entries.append((str(name), dtype, shape, count, offset, nbytes))
    shared, end, last = set(), 0, None
    for name, _, _, _, offset, nbytes in sorted(entries, key=lambda e: e[4]):
        if nbytes and offset < end:
            shared.update((name, last))
        if offset + nbytes > end:
            end, last = offset + nbytes, name
    arrays = {}
    for name, dtype, shape, count, offset, _ in entries:
        arr = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape)
        if name in shared or not (arr.dtype.isnative and arr.flags.aligned and arr.flags.writeable):
            arr = np.array(arr, dtype=dtype.newbyteorder("="), copy=True)
        arrays[name] = arr
    return arrays


def read_captured(root, item):
    """The :class:`~autograder.checks.Captured` of one item, validated (Hostile otherwise)."""
    doc = parse_json(read_bytes(root, f"items/{item}/meta.json", MAX_JSON))
    if not isinstance(doc, dict):
        raise Hostile("meta.json is not an object")
    arrays = parse_arrays(doc.get("arrays"), read_bytes(root, f"items/{item}/{ARRAYS}", MAX_ARRAY_BYTES, np.empty))
    return Captured.from_parts(doc, arrays)


# --------------------------------------------------------------------------- messages
_BUILTIN_EXC = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}
_LABEL = re.compile(r"^`([^`]{1,200})`")


def safe_error(message, allowed_names=()):
    """A recorded error as text with nothing the student controls: the function's name only if
    it is one the checks call (``allowed_names``), the exception's type only if it is a
    built-in one; exception messages, student class names, line text never survive."""
    message = str(message)
    m = _LABEL.match(message)
    label = "your code"
    if m:
        parts = m.group(1).split(".")
        if parts and parts[-1] in allowed_names:
            label = f"`{parts[-1]}`" if len(parts) == 1 else f"the `{parts[-1]}` method"
    rest = message[m.end():] if m else message
    if rest.startswith(" is not defined"):
        return f"{label} is not defined — run the cell that defines it."
    if rest.startswith(" is not callable"):
        return f"{label} is not callable."
    if rest.startswith(" is missing"):
        return f"{label} is missing."
    r = re.match(r"^ raised (\w+)", rest)
    if r:
        exc = r.group(1)
        if exc == "NotImplementedError":
            return f"{label} raised NotImplementedError — replace the `raise NotImplementedError()` with your code."
        if exc in _BUILTIN_EXC:
            return f"{label} raised {exc} (details are not shown for hidden tests)."
        return f"{label} raised an exception (details are not shown for hidden tests)."
    return f"{label} failed (details are not shown for hidden tests)."


_KINDS = ("none", "bool", "int", "float", "array", "tuple", "list", "dict", "other")


def sanitize_hidden(cap, allowed_names):
    """Strip student-controlled text from a Captured judged on hidden cases (in place)."""
    cap.errors = {k: safe_error(v, allowed_names) for k, v in cap.errors.items()}
    for info in cap.meta.values():
        # the typed tree's kind is one of a fixed set; "class" is the returned value's class
        # name, which the student chooses unless it is a builtin or numpy type
        if info.get("type") not in _KINDS:
            info["type"] = "other"
        # "class" is already one of a closed set (autograder.probe.closed_node)
        if "class" in info and info["class"] not in CLASSES:
            info["class"] = OTHER_CLASS
        if "unreadable" in info:
            info["unreadable"] = "a value that could not be read"
    return cap
