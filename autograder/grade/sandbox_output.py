"""Reading what a sandbox left behind, treating every byte as hostile.

The sandboxed runner writes ``OUT/cells.jsonl`` (one JSON line per executed cell),
``OUT/items/<item>.status.json`` and ``OUT/items/<item>/{meta.json,arrays.npz}`` (``np.savez``,
uncompressed), ``OUT/done.json``. A submission runs in that folder and can replace any of them
with a FIFO, a link to ``/dev/zero``, a zip bomb, a deeply nested JSON document or a directory
tree; this module reads them so that none of that can hang, exhaust or mislead the host:

* every path is opened component by component from the OUT folder with ``O_NOFOLLOW`` (no link
  anywhere on the way), non-blocking, and must be a regular file (``fstat``);
* every read is bounded (the file's size is checked first, and no more than the bound is read);
* JSON documents are bounded in size and nesting depth;
* a ``.npz`` must be a zip of STORED (not deflated) ``.npy`` members with distinct names; each
  member's header is read by NumPy's own bounded reader (``numpy.lib.format``) and its dtype
  (plain bool/int/uint/float), shape and byte count validated before the array is built from the
  bytes already read (no decompression at all);
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
import struct
import zipfile

import numpy as np
from numpy.lib import format as npformat

from autograder.checks import Captured

from autograder.probe import CLASSES, OTHER_CLASS

MAX_JSON = 1 << 20               # bytes of any JSON document
MAX_DEPTH = 32                   # nesting of a JSON document
MAX_CELLS_FILE = 8 << 20         # bytes of cells.jsonl that are read
MAX_NPZ = 64 << 20               # bytes of one item's arrays
MAX_MEMBERS = 4096               # arrays per item
MAX_NPY_HEADER = 4096


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


def read_bytes(root, rel, limit):
    """The bytes of the regular file ``root/rel`` (at most ``limit``; larger is Hostile)."""
    fd, size = _open_regular(root, rel)
    try:
        if size > limit:
            raise Hostile(f"{rel} is {size} bytes (limit {limit})")
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise Hostile(f"{rel} grew past {limit} bytes")
        return b"".join(chunks)
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
    stack = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if d > limit:
            return False
        if isinstance(o, dict):
            stack.extend((v, d + 1) for v in o.values())
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)
    return True


def parse_json(data: bytes, limit=MAX_JSON, depth=MAX_DEPTH):
    if len(data) > limit:
        raise Hostile("JSON document too large")
    # the nesting is bounded before parsing: json's C parser recurses once per bracket
    level = deepest = 0
    for m in re.finditer(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', data):
        t = m.group()
        if t in (b"[", b"{"):
            level += 1
            deepest = max(deepest, level)
            if deepest > depth:
                raise Hostile("JSON nested too deeply")
        elif t in (b"]", b"}"):
            level -= 1
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


# --------------------------------------------------------------------------- npz
_READ_HEADER = {1: npformat.read_array_header_1_0, 2: npformat.read_array_header_2_0}


def _parse_npy(data: bytes, name):
    """The array of one ``.npy`` member, validated before it is built: NumPy's own reader of the
    magic and the header (bounded to MAX_NPY_HEADER), then a plain bool/int/uint/float dtype and a
    byte count that matches the shape."""
    fp = io.BytesIO(data)
    try:
        major, _ = npformat.read_magic(fp)
        if major not in _READ_HEADER:
            raise Hostile(f"{name}: .npy version {major}")
        shape, fortran, dtype = _READ_HEADER[major](fp, max_header_size=MAX_NPY_HEADER)
    except Hostile:
        raise
    except Exception:              # ValueError, and anything a malformed header raises on the way
        raise Hostile(f"{name}: unreadable .npy header") from None
    if dtype.kind not in "biuf" or dtype.hasobject or dtype.names is not None \
            or not re.fullmatch(r"[<>|=]?[biuf]\d{1,2}", dtype.str):
        raise Hostile(f"{name}: dtype {dtype.str!r} not allowed")
    if len(shape) > 32 or not all(type(s) is int and 0 <= s for s in shape):
        raise Hostile(f"{name}: bad shape")
    count = 1
    for s in shape:
        count *= s
        if count * dtype.itemsize > MAX_NPZ:
            raise Hostile(f"{name}: too large")
    start = fp.tell()
    body = len(data) - start
    if body != count * dtype.itemsize:
        raise Hostile(f"{name}: {body} bytes for shape {shape} of {dtype}")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=start)
    arr = arr.reshape(shape[::-1]).T if fortran else arr.reshape(shape)
    return np.array(arr, dtype=dtype.newbyteorder("="), copy=True)


def parse_npz(data: bytes):
    """``{name: array}`` of an uncompressed ``np.savez`` file, validated (see module doc)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise Hostile(f"not a zip ({type(exc).__name__})") from None
    if len(infos) > MAX_MEMBERS:
        raise Hostile("too many arrays")
    arrays, total = {}, 0
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise Hostile(f"{info.filename!r} is compressed")
        if not info.filename.endswith(".npy") or info.flag_bits & 0x1:
            raise Hostile(f"{info.filename!r} is not a plain .npy")
        key = info.filename[:-4]
        if key in arrays:
            raise Hostile(f"{info.filename!r} appears twice")
        total += info.file_size
        if total > len(data):
            raise Hostile("members larger than the file")
        try:
            raw = zf.read(info)               # STORED: a slice of ``data``, no expansion
        except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
            raise Hostile(f"{info.filename!r}: {type(exc).__name__}") from None
        arrays[key] = _parse_npy(raw, info.filename)
    return arrays


def read_captured(root, item):
    """The :class:`~autograder.checks.Captured` of one item, validated (Hostile otherwise)."""
    doc = parse_json(read_bytes(root, f"items/{item}/meta.json", MAX_JSON))
    if not isinstance(doc, dict):
        raise Hostile("meta.json is not an object")
    arrays = parse_npz(read_bytes(root, f"items/{item}/arrays.npz", MAX_NPZ))
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
