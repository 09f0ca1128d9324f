"""The check framework every exercise uses.

A graded *item* (one test cell of an exercise, e.g. ``relu``) is checked in two halves so that the
verdict never depends on code running in the student's interpreter:

1. ``probe`` (untrusted side): call the student's functions on inputs the grader drew and keep
   what comes back as *plain data* — float arrays, type/dtype/shape descriptions, error
   messages — in a :class:`Captured`.
2. ``verify`` (trusted side): compare that data with the reference (forward definitions from
   :mod:`autograder.reference` and central-difference gradients of them) and produce
   :class:`Outcome` lines with relative errors, tolerances, locations and hints.

In a notebook both halves run in the kernel (``check = load_checks("activations", globals())``,
then ``check("relu")``). The batch grader (:mod:`autograder.grade`) runs the probe inside a
sandbox, ships the :class:`Captured` back as ``.npz`` + JSON, and runs ``verify`` on the host.
"""
from __future__ import annotations

import importlib
import json
import os
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from autograder.gradcheck import max_relative_error, relative_error
from autograder import hints as _hints

VISIBLE_SEED = 0
#: Seed of the hidden cases when nothing else is given; the batch grader draws a fresh one per run.
DEFAULT_HIDDEN_SEED = 20261123


# --------------------------------------------------------------------------- data from the probe
class Captured:
    """Everything a probe brings back: arrays (any numeric dtype), a description of each value,
    and the error raised by each call. Only plain data, so it can cross a process boundary as
    ``.npz`` (loaded with ``allow_pickle=False``) plus JSON."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, dict] = {}
        self.errors: dict[str, str] = {}

    # -- written by probes (untrusted side) ---------------------------------------------------
    def keep(self, key, value):
        """Record ``value`` under ``key``: its type, dtype and shape, and its numbers if any."""
        info = {"type": f"{type(value).__module__}.{type(value).__qualname__}"}
        try:
            if type(value) is np.ndarray or isinstance(value, (np.generic, float, int)):
                arr = np.array(value, copy=True)          # a plain ndarray, never a subclass
                info.update(dtype=str(arr.dtype), shape=list(arr.shape))
                if arr.dtype.kind in "biuf":
                    self.arrays[key] = arr
            elif isinstance(value, np.ndarray):          # ndarray subclass: keep the numbers only
                arr = np.array(np.ndarray.view(value, np.ndarray), copy=True)
                info.update(dtype=str(arr.dtype), shape=list(arr.shape))
                if arr.dtype.kind in "biuf":
                    self.arrays[key] = arr
        except Exception as exc:                          # a value that cannot even be copied
            info["unreadable"] = f"{type(exc).__name__}: {exc}"[:300]
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
        """A Captured from an already-parsed ``meta.json`` document and ``{key: ndarray}``;
        anything malformed raises ``ValueError``. The bytes are read and validated first by
        :mod:`autograder.grade.results` (host side) or by :meth:`load`."""
        if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict) \
                or not isinstance(doc.get("errors"), dict) or not isinstance(arrays, dict):
            raise ValueError("meta.json has the wrong structure")
        cap = cls()
        cap.meta = {str(k): v for k, v in doc["meta"].items() if isinstance(v, dict)}
        cap.errors = {str(k): str(v)[:2000] for k, v in doc["errors"].items()}
        for key, arr in arrays.items():
            if type(arr) is not np.ndarray or arr.dtype.kind not in "biuf":
                raise ValueError(f"array {key!r} has dtype {getattr(arr, 'dtype', '?')}")
            cap.arrays[str(key)] = arr
        return cap

    @classmethod
    def load(cls, directory, max_bytes=64 << 20):
        """Read what a probe wrote (trusted files; the batch grader reads a sandbox's output
        with :func:`autograder.grade.results.read_captured` instead)."""
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
            self.cap.fail(key, _describe_exception(label, exc))
            return None

    def keep(self, key, value):
        self.cap.keep(key, value)


def _describe_exception(name, exc):
    if isinstance(exc, NotImplementedError):
        return f"`{name}` raised NotImplementedError — replace the `raise NotImplementedError()` with your code."
    tb = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(tb):                            # the innermost frame in the student's cells
        if "autograder" not in frame.filename:
            where = f" (line {frame.lineno}: {frame.line})" if frame.line else f" (line {frame.lineno})"
            break
    return f"`{name}` raised {type(exc).__name__}: {exc}{where}"


# --------------------------------------------------------------------------- verdicts
@dataclass
class Outcome:
    """One verdict line: a named check that passed or failed, with its numbers."""
    label: str
    passed: bool
    detail: str = ""
    error: float | None = None
    tol: float | None = None
    hint: str = ""
    where: str = ""          # numbers at the worst entry: shown for visible checks only


@dataclass
class Report:
    item: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self):
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    def merged(self):
        """One line per label: failed if any case failed, with the worst case's numbers."""
        by_label: dict[str, Outcome] = {}
        for o in self.outcomes:
            old = by_label.get(o.label)
            if old is None:
                by_label[o.label] = o
            elif old.passed and not o.passed:
                by_label[o.label] = o
            elif old.passed == o.passed and (o.error or 0) > (old.error or 0):
                by_label[o.label] = o
        return list(by_label.values())

    def text(self, values=True):
        """The verdict as text; ``values=False`` leaves out the numbers at the worst index (the
        hidden checks' inputs must never reach a learner, and those numbers reveal them)."""
        lines = self.merged()
        failed = sum(not o.passed for o in lines)
        head = f"{self.item}: all {len(lines)} checks passed" if not failed else \
            f"{self.item}: {failed} of {len(lines)} checks failed"
        out = [head]
        for o in lines:
            mark = "✔" if o.passed else "✘"
            numbers = ""
            if o.error is not None and o.tol is not None:
                rel = "≤" if o.passed else ">"
                numbers = f"  (max relative error {o.error:.1e} {rel} tolerance {o.tol:.0e})"
            out.append(f"  {mark} {o.label}{numbers}")
            if not o.passed:
                if o.detail:
                    out.extend("      " + d for d in o.detail.splitlines())
                if o.where and values:
                    out.append("      " + o.where)
                if o.hint:
                    out.append(f"      hint: {o.hint}")
        return "\n".join(out)

    def to_dict(self):
        return {"item": self.item, "passed": self.passed,
                "outcomes": [o.__dict__ for o in self.merged()]}


class Judge:
    """Trusted-side helpers that turn captured data into :class:`Outcome` lines."""

    def __init__(self, report: Report, captured: Captured, prefix: str = ""):
        self.report = report
        self.cap = captured
        self.prefix = prefix                       # case prefix of captured keys, e.g. "c0/"

    def add(self, label, passed, detail="", error=None, tol=None, hint="", where=""):
        self.report.outcomes.append(Outcome(label, bool(passed), detail, error, tol, hint, where))
        return bool(passed)

    def _kept(self, key, label, what):
        """The description of what the probe kept under ``key``, or ``None`` after recording
        why there is none (the call raised, or nothing was produced)."""
        k = self.prefix + key
        if k in self.cap.errors:
            self.add(label, False, self.cap.errors[k])
            return None
        info = self.cap.meta.get(k)
        if info is None:
            self.add(label, False, f"{what} was not produced.")
        return info

    def array(self, key, label, shape, what="the result"):
        """The float64 ndarray of the given shape that the probe kept under ``key``, or ``None``
        after recording why not (exception raised, wrong type, dtype or shape)."""
        k = self.prefix + key
        info = self._kept(key, label, what)
        if info is None:
            return None
        typ = info.get("type", "?")
        if typ != "numpy.ndarray":
            shown = typ.replace("builtins.", "")
            self.add(label, False, f"{what} is a {shown}; return a numpy.ndarray (np.float64).",
                     hint=_hints.type_hint(shown, shape))
            return None
        dtype = info.get("dtype")
        if dtype != "float64":
            self.add(label, False, f"{what} has dtype {dtype}; it must be float64.",
                     hint=_hints.dtype_hint(dtype))
            return None
        got_shape = tuple(info.get("shape", ()))
        if got_shape != tuple(shape):
            self.add(label, False, f"{what} has shape {got_shape}; expected {tuple(shape)}.",
                     hint=_hints.shape_hint(got_shape, tuple(shape)))
            return None
        arr = self.cap.arrays.get(k)
        if arr is None or arr.shape != tuple(shape) or arr.dtype != np.float64:
            self.add(label, False, f"{what} could not be read back.")
            return None
        self.add(label, True)
        return arr

    SCALAR_TYPES = ("float", "numpy.float64", "numpy.ndarray", "numpy.float32", "numpy.float16")

    def scalar(self, key, label, what="the loss"):
        """The single float64 number (a float, np.float64 or 0-d array) the probe kept under
        ``key``, as a float, or ``None`` after recording why not."""
        k = self.prefix + key
        info = self._kept(key, label, what)
        if info is None:
            return None
        typ = info.get("type", "?").replace("builtins.", "")
        shape = tuple(info.get("shape", (None,)))
        if typ not in self.SCALAR_TYPES:
            self.add(label, False, f"{what} is a {typ}; return a single float (e.g. `np.mean(...)`).",
                     hint=_hints.type_hint(typ, ()) if typ == "NoneType" else "")
            return None
        if shape != ():
            self.add(label, False, f"{what} has shape {shape}; the loss is a single number (shape ()).",
                     hint="reduce with np.sum / np.mean over every axis (no `axis=` argument).")
            return None
        if info.get("dtype") != "float64":
            self.add(label, False, f"{what} has dtype {info.get('dtype')}; it must be float64.",
                     hint=_hints.dtype_hint(info.get("dtype")))
            return None
        arr = self.cap.arrays.get(k)
        if arr is None:
            self.add(label, False, f"{what} could not be read back.")
            return None
        self.add(label, True)
        return float(arr)

    def close(self, label, got, ref, tol, name="yours", ref_name="expected", hint_fn=None):
        """Pass if every entry's relative error (see :func:`relative_error`) is within ``tol``."""
        err = relative_error(got, ref)
        worst = float(err.max()) if err.size else 0.0
        if worst <= tol:
            return self.add(label, True, error=worst, tol=tol)
        idx = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
        n_bad = int((err > tol).sum())
        detail = f"{n_bad} of {err.size} entries differ (worst at index {tuple(int(i) for i in idx)})"
        where = f"there: {name} {_fmt(got[idx])}, {ref_name} {_fmt(ref[idx])}"
        hint = hint_fn(err > tol) if hint_fn else ""
        return self.add(label, False, detail, worst, tol, hint, where)

    def gradient(self, label, got, numerical, tol, dout=None, x=None, candidates=()):
        """``close`` for a gradient: the reference is a numerical gradient, and a failure gets a
        hint from :func:`autograder.hints.gradient_hint` (sign, factor, missing dout, branch,
        plus the spec's ``candidates``: ``(wrong_array, message)`` pairs)."""
        return self.close(label, got, numerical, tol, ref_name="numerical",
                          hint_fn=lambda bad: _hints.gradient_hint(got, numerical, dout, x, bad, candidates))

    def flag(self, key, label, message):
        """True if the probe kept the flag 1.0 under ``key`` (e.g. "the call returned a pair");
        otherwise record ``message`` as a failure and return False."""
        flag = self.cap.arrays.get(self.prefix + key)
        if flag is not None and flag.shape == () and flag.item() == 1.0:
            return True
        return self.add(label, False, message)

    def unchanged(self, key, original, label, argname="x"):
        """The probe kept the argument after the call under ``key``: it must equal ``original``."""
        after = self.cap.arrays.get(self.prefix + key)
        ok = after is not None and after.shape == original.shape and np.array_equal(after, original)
        return self.add(label, ok, "" if ok else f"`{argname}` was changed by your function.",
                        hint="" if ok else _hints.INPLACE)


def _fmt(v):
    return f"{float(v):.6g}"


# --------------------------------------------------------------------------- items and running
@dataclass
class Item:
    """One graded item of an assignment (one nbgrader test cell, ``grade_id = "test_" + name``).

    ``cases(rng, hidden)`` draws the inputs — a list of dicts of float64 arrays; ``probe(rec,
    case)`` calls the student's functions on one case; ``verify(judge, case)`` judges what came
    back for that case.
    """
    name: str
    functions: tuple[str, ...]
    cases: Callable[[np.random.Generator, bool], list[dict]]
    probe: Callable[[Recorder, dict], None]
    verify: Callable[[Judge, dict], None]


def draw_cases(item: Item, hidden=False, seed=None):
    """The inputs of ``item``: the fixed visible ones, or hidden ones from ``seed``."""
    if seed is None:
        seed = int(os.environ.get("AUTOGRADER_SEED", DEFAULT_HIDDEN_SEED)) if hidden else VISIBLE_SEED
    # Each item gets its own stream, so adding an item never changes another item's inputs.
    rng = np.random.default_rng([seed, *item.name.encode()])
    return item.cases(rng, hidden)


def run_probe(item: Item, namespace, cases) -> Captured:
    """Untrusted half: call the student's functions on each case (copies of the inputs)."""
    cap = Captured()
    rec = Recorder(namespace, cap)
    for i, case in enumerate(cases):
        rec_case = _Prefixed(rec, f"c{i}/")
        try:
            item.probe(rec_case, {k: np.array(v, copy=True) for k, v in case.items()})
        except Exception as exc:                    # a probe step on a broken result
            cap.fail(f"c{i}/probe", f"{type(exc).__name__}: {exc}")
    return cap


class _Prefixed:
    """A :class:`Recorder` whose keys are prefixed with the case number (``c0/``, ``c1/``...)."""

    def __init__(self, rec, prefix):
        self._rec, self._prefix = rec, prefix
        self.ns = rec.ns

    def call(self, key, name, *args, **kwargs):
        return self._rec.call(self._prefix + key, name, *args, **kwargs)

    def call_method(self, key, obj, method, *args, **kwargs):
        return self._rec.call_method(self._prefix + key, obj, method, *args, **kwargs)

    def invoke(self, key, label, func, *args, **kwargs):
        return self._rec.invoke(self._prefix + key, label, func, *args, **kwargs)

    def fail(self, key, message):
        self._rec.cap.fail(self._prefix + key, message)

    def keep(self, key, value):
        self._rec.keep(self._prefix + key, value)


def verify(item: Item, cases, captured: Captured) -> Report:
    """Trusted half: judge the captured data case by case."""
    report = Report(item.name)
    for i, case in enumerate(cases):
        judge = Judge(report, captured, f"c{i}/")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                item.verify(judge, case)
            except Exception as exc:                # a checker bug must never pass a student
                judge.add("internal check", False, f"{type(exc).__name__}: {exc}")
    return report


def load_spec(assignment):
    """The spec module of an assignment: ``autograder.specs.<assignment>``."""
    return importlib.import_module(f"autograder.specs.{assignment}")


class CheckFailed(AssertionError):
    """Raised by a notebook check so that nbgrader marks the test cell as failed."""


def load_checks(assignment, namespace):
    """Return ``check(name, hidden=False, seed=None)`` for the test cells of ``assignment``.

    ``namespace`` is the notebook's ``globals()``: the student's functions are looked up in it at
    the moment a check runs. ``check`` prints a per-check verdict and raises
    :class:`CheckFailed` (an ``AssertionError``) if anything failed.
    """
    spec = load_spec(assignment)

    def check(name, hidden=False, seed=None):
        __tracebackhide__ = True                    # IPython shows the learner's cell, not ours
        item = spec.ITEMS[name]
        cases = draw_cases(item, hidden, seed)
        report = verify(item, cases, run_probe(item, namespace, cases))
        title = f"[hidden] {report.item}" if hidden else report.item
        report.item = title
        print(report.text(values=not hidden))
        if not report.passed:
            raise CheckFailed(f"{title}: see the failed checks above.")
        return report

    check.spec = spec
    return check
