"""The untrusted half of a check: call the student's functions and keep what comes back.

This module and :mod:`autograder.probes` are ALL the checking code the batch grader's sandbox
holds: they import nothing but numpy and the standard library, know no correct answer and
compute no verdict. A probe (``autograder/probes/<assignment>.py``: ``PROBES = {item: probe}``)
calls the student's code through a :class:`Recorder` on inputs the host drew, and the host judges
the :class:`Captured` data it brings back (:mod:`autograder.checks`). A probe that is patched,
replaced or forged therefore has nothing correct to report unless the student's own code
computed it.

What is kept is a *typed tree*: every value is recorded as one node ``{"type": ...}`` —
``none``, ``bool``, ``int``, ``float`` (a Python or NumPy scalar), ``array`` (an ndarray, with
dtype and shape; its numbers go to :attr:`Captured.arrays`), ``tuple`` / ``list`` (with ``len``;
the items are recorded under ``key/0``, ``key/1`` …), ``dict`` (with ``keys``; items under
``key/<name>``), ``other`` (anything else: its class name only) — or, when the call raised, an
exception message in :attr:`Captured.errors`. The host judges such a tree with one check
(:meth:`autograder.checks.Judge.value`).
"""
from __future__ import annotations

import json
import traceback
import warnings
from pathlib import Path

import numpy as np

#: Inputs with more entries than this are not sent back after a call (``Recorder.keep_input``):
#: the big cases exist to make a numerically differentiating backward run out of time, and
#: the sandbox's output is bounded.
KEEP_INPUTS = 10_000
#: Largest number of items of a tuple/list/dict kept in the typed tree (more is "other").
MAX_ITEMS = 64
#: How deep a typed tree may nest.
MAX_DEPTH = 4
NUMERIC_KINDS = "biuf"
_KEY_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/.-")


def _type_name(value):
    return f"{type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")


class Captured:
    """Everything a probe brings back: arrays (any numeric dtype), a typed description of each
    value, and the error raised by each call. Only plain data, so it can cross a process boundary
    as ``.npz`` (loaded with ``allow_pickle=False``) plus JSON."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, dict] = {}
        self.errors: dict[str, str] = {}

    # -- written by probes (untrusted side) ---------------------------------------------------
    def keep(self, key, value, depth=0):
        """Record ``value`` under ``key`` as a typed tree (see the module docstring)."""
        info = {"type": "other", "class": _type_name(value)[:200]}
        try:
            if value is None:
                info["type"] = "none"
            elif isinstance(value, (bool, np.bool_)):
                info["type"] = "bool"
                self.arrays[key] = np.array(bool(value))
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, np.ndarray):
                arr = np.array(value, copy=True)
                info.update(type="int" if arr.dtype.kind in "iu" else "float", dtype=str(arr.dtype), shape=[])
                self.arrays[key] = arr
            elif isinstance(value, np.ndarray):
                # an ndarray subclass keeps its numbers only (as a plain ndarray), never its methods
                arr = np.array(np.ndarray.view(value, np.ndarray), copy=True)
                info.update(type="array", dtype=str(arr.dtype), shape=list(arr.shape),
                            subclass=type(value) is not np.ndarray)
                if arr.dtype.kind in NUMERIC_KINDS:
                    self.arrays[key] = arr
            elif isinstance(value, (tuple, list)) and depth < MAX_DEPTH and len(value) <= MAX_ITEMS:
                info.update(type="tuple" if isinstance(value, tuple) else "list", len=len(value))
                for i, v in enumerate(list(value)):
                    self.keep(f"{key}/{i}", v, depth + 1)
            elif isinstance(value, dict) and depth < MAX_DEPTH and len(value) <= MAX_ITEMS:
                keys = [k for k in list(value) if isinstance(k, str) and k and set(k) <= _KEY_CHARS - {"/"}]
                info.update(type="dict", keys=sorted(keys), len=len(value))
                for k in keys:
                    self.keep(f"{key}/{k}", value[k], depth + 1)
        except Exception as exc:                          # a value that cannot even be read
            info = {"type": "other", "class": info["class"], "unreadable": f"{type(exc).__name__}: {exc}"[:300]}
        self.meta[key] = info

    def fail(self, key, message):
        self.errors[key] = str(message)[:2000]

    # -- serialisation ------------------------------------------------------------------------
    def save(self, directory):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / "arrays.npz", **self.arrays)
        (directory / "meta.json").write_text(json.dumps({"meta": self.meta, "errors": self.errors}))

    @classmethod
    def from_parts(cls, doc, arrays):
        """Build a Captured from the JSON document and the arrays a sandbox wrote — THE one place
        that validates their structure. Anything malformed raises ``ValueError``."""
        if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict) \
                or not isinstance(doc.get("errors"), dict):
            raise ValueError("meta.json has the wrong structure")
        cap = cls()
        for k, v in doc["meta"].items():
            if isinstance(v, dict) and isinstance(v.get("type", ""), str):
                cap.meta[str(k)[:300]] = v
        cap.errors = {str(k)[:300]: str(v)[:2000] for k, v in doc["errors"].items()}
        for key, arr in arrays.items():
            if type(arr) is not np.ndarray or arr.dtype.kind not in NUMERIC_KINDS + "b":
                raise ValueError(f"array {str(key)[:80]!r} has dtype {getattr(arr, 'dtype', '?')}")
            cap.arrays[str(key)] = arr
        return cap

    @classmethod
    def load(cls, directory, max_bytes=64 << 20):
        """Read what a sandbox wrote; anything malformed raises ``ValueError``."""
        directory = Path(directory)
        doc = json.loads((directory / "meta.json").read_text())
        path = directory / "arrays.npz"
        if path.stat().st_size > max_bytes:
            raise ValueError("arrays.npz is too large")
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        return cls.from_parts(doc, arrays)


class Recorder:
    """What a probe uses to call the student's code: ``rec.call(key, "relu_forward", x)``."""

    def __init__(self, namespace, captured):
        self.ns = namespace
        self.cap = captured

    def call(self, key, name, *args, **kwargs):
        """Call ``namespace[name](*args, **kwargs)`` with warnings silenced; on an exception,
        record it under ``key`` and return ``None``."""
        func = self.ns.get(name)
        if func is None:
            self.cap.fail(key, f"`{name}` is not defined — run the cell that defines it.")
            return None
        return self.invoke(key, name, func, *args, **kwargs)

    def call_method(self, key, obj, method, *args, **kwargs):
        """Call ``obj.method(*args, **kwargs)`` (e.g. a layer's ``forward``) like :meth:`call`."""
        label = f"{type(obj).__name__}.{method}"
        try:
            func = getattr(obj, method)
        except Exception as exc:
            self.cap.fail(key, f"`{label}` is missing: {type(exc).__name__}: {exc}")
            return None
        return self.invoke(key, label, func, *args, **kwargs)

    def invoke(self, key, label, func, *args, **kwargs):
        """Call ``func`` with warnings silenced; an exception is recorded under ``key``."""
        if not callable(func):
            self.cap.fail(key, f"`{label}` is not callable (it is a {type(func).__name__}).")
            return None
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return func(*args, **kwargs)
        except Exception as exc:                          # the student's bug is data, not a crash
            self.cap.fail(key, describe_exception(label, exc))
            return None

    def record(self, key, name, *args, **kwargs):
        """``call`` and keep the result as a typed tree (or the exception) under ``key``."""
        res = self.call(key, name, *args, **kwargs)
        if key not in self.cap.errors:
            self.keep(key, res)
        return res

    def keep(self, key, value):
        self.cap.keep(key, value)

    def keep_input(self, key, x):
        """Keep an input array after a call (to check it was not changed) — small ones only."""
        if np.size(x) <= KEEP_INPUTS:
            self.keep(key, x)

    def fail(self, key, message):
        self.cap.fail(key, message)


def keep_attr(rec, key, obj, name):
    """Keep ``obj.<name>`` (e.g. a gradient a layer stored in ``backward``) or record that it is
    missing."""
    try:
        value = getattr(obj, name)
    except Exception as exc:
        rec.fail(key, f"`{type(obj).__name__}.{name}` is missing after backward: {type(exc).__name__}: {exc}")
        return
    if value is None:
        rec.fail(key, f"`{type(obj).__name__}.{name}` is None after backward — set it in `backward`.")
        return
    rec.keep(key, value)


def describe_exception(name, exc):
    if isinstance(exc, NotImplementedError):
        return f"`{name}` raised NotImplementedError — replace the `raise NotImplementedError()` with your code."
    tb = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(tb):                            # the innermost frame in the student's cells
        if "autograder" not in frame.filename:
            where = f" (line {frame.lineno}: {frame.line})" if frame.line else f" (line {frame.lineno})"
            break
    return f"`{name}` raised {type(exc).__name__}: {exc}{where}"


_describe_exception = describe_exception          # old name


class _Prefixed:
    """A :class:`Recorder` whose keys are prefixed with the case number (``c0/``, ``c1/``...)."""

    def __init__(self, rec, prefix):
        self._rec, self._prefix = rec, prefix
        self.ns = rec.ns
        self.cap = rec.cap

    def call(self, key, name, *args, **kwargs):
        return self._rec.call(self._prefix + key, name, *args, **kwargs)

    def call_method(self, key, obj, method, *args, **kwargs):
        return self._rec.call_method(self._prefix + key, obj, method, *args, **kwargs)

    def invoke(self, key, label, func, *args, **kwargs):
        return self._rec.invoke(self._prefix + key, label, func, *args, **kwargs)

    def record(self, key, name, *args, **kwargs):
        return self._rec.record(self._prefix + key, name, *args, **kwargs)

    def fail(self, key, message):
        self._rec.cap.fail(self._prefix + key, message)

    def keep(self, key, value):
        self._rec.keep(self._prefix + key, value)

    def keep_input(self, key, x):
        self._rec.keep_input(self._prefix + key, x)


def run_probe(probe, namespace, cases) -> Captured:
    """Call ``probe(rec, case)`` on each case (copies of the inputs); ``probe`` may also be an
    object with a ``probe`` attribute (an :class:`autograder.checks.Item`)."""
    probe = getattr(probe, "probe", probe)
    cap = Captured()
    rec = Recorder(namespace, cap)
    for i, case in enumerate(cases):
        rec_case = _Prefixed(rec, f"c{i}/")
        try:
            probe(rec_case, {k: np.array(v, copy=True) for k, v in case.items()})
        except Exception as exc:                    # a probe step on a broken result
            cap.fail(f"c{i}/probe", f"{type(exc).__name__}: {exc}")
    return cap


def load_probes(assignment):
    """``PROBES`` of ``autograder.probes.<assignment>``."""
    import importlib
    return importlib.import_module(f"autograder.probes.{assignment}").PROBES
