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
sandbox, ships the :class:`Captured` back as raw bytes + JSON, and runs ``verify`` on the host.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from autograder.gradcheck import relative_errors
from autograder import hints as _hints
from autograder.reference.replay import NotRecorded

VISIBLE_SEED = 0
#: Seed of the hidden cases when nothing else is given; the batch grader draws a fresh one per run.
DEFAULT_HIDDEN_SEED = 20261123


# --------------------------------------------------------------------------- data from the probe
# The untrusted half lives in autograder.probe (the only checking code a sandbox holds).
from autograder.probe import (Captured, Recorder, _Prefixed, describe_exception,  # noqa: E402,F401
                              run_probe, _describe_exception, shape_text)


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
    #: Not decided here (an exercise download met a reference computation on the learner's own
    #: results that it holds no recorded answer for): counts as passed, shown as ○.
    deferred: bool = False


@dataclass
class Report:
    item: str
    outcomes: list[Outcome] = field(default_factory=list)
    #: A backward called the learner's forward at inputs shifted from the case's (a numerical
    #: derivative): a flag for the instructor, never a verdict (:class:`autograder.probe.ShiftWatch`).
    shifted: bool = False
    #: The batch grader could not read what the sandbox wrote for this item (never a pass, and
    #: never silent: the submission then needs the instructor's look).
    unreadable: bool = False
    #: A check wrote into a read-only case (NumPy refused): the batch judges it again on copies.
    wrote_read_only: bool = False

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

    def text(self, values=True, color=False, details=True):
        """The verdict as text; ``values=False`` leaves out the numbers at the worst index (the
        hidden checks' inputs must never reach a learner, and those numbers reveal them);
        ``color=True`` paints ✔ green and ✘ red (ANSI, as JupyterLab shows printed output);
        ``details=False`` lists the checks without the failures' reasons (the notebook shows
        those once, in the error that follows)."""
        lines = self.merged()
        failed = sum(not o.passed for o in lines)
        deferred = sum(o.deferred for o in lines)
        head = f"{self.item}: all {len(lines)} checks passed" if not failed else \
            f"{self.item}: {failed} of {len(lines)} checks failed"
        if deferred:
            head += f" ({deferred} left to the grader)"
        ok, bad = ("\x1b[32m✔\x1b[0m", "\x1b[31m✘\x1b[0m") if color else ("✔", "✘")
        out = [head]
        for o in lines:
            out.extend(self._lines(o, values, ok, bad) if details else self._lines(o, values, ok, bad)[:1])
        return "\n".join(out)

    @staticmethod
    def _lines(o, values, ok="✔", bad="✘"):
        numbers = ""
        if o.error is not None and o.tol is not None:
            rel = "≤" if o.passed else ">"
            numbers = f"  (max relative error {o.error:.1e} {rel} tolerance {o.tol:.0e})"
        if o.deferred:
            return [f"  ○ {o.label}"]
        out = [f"  {ok if o.passed else bad} {o.label}{numbers}"]
        if not o.passed:
            if o.detail:
                out.extend("      " + d for d in o.detail.splitlines())
            if o.where and values:
                out.append("      " + o.where)
            if o.hint:
                out.append(f"      hint: {o.hint}")
        return out

    def reasons(self, values=True):
        """Only the failed checks, each with its reason (the error message of a failed cell)."""
        return "\n".join(line for o in self.merged() if not o.passed for line in self._lines(o, values))

    def to_dict(self):
        return {"item": self.item, "passed": self.passed,
                "outcomes": [o.__dict__ for o in self.merged()]}


class Judge:
    """Trusted-side helpers that turn captured data into :class:`Outcome` lines."""

    def __init__(self, report: Report, captured: Captured, prefix: str = "", memo: dict | None = None):
        self.report = report
        self.cap = captured
        self.prefix = prefix                       # case prefix of captured keys, e.g. "c0/"
        self.memo = memo                           # this case's reference values (see reference)

    def reference(self, key, compute):
        """``compute()`` — a reference value that depends on the case's inputs ONLY (a forward of
        :mod:`autograder.reference`, a numerical gradient of one), never on what the learner
        returned. The batch grader judges every student of a run on the same inputs and keeps
        these per case (``memo``), so each is computed once per run instead of once per student;
        kept arrays are made read-only. In a notebook it is simply ``compute()``."""
        if self.memo is None:
            return compute()
        if key not in self.memo:
            value = compute()
            for v in (value if isinstance(value, tuple) else (value,)):
                if isinstance(v, np.ndarray):
                    v.setflags(write=False)
            self.memo[key] = value
        return self.memo[key]

    def add(self, label, passed, detail="", error=None, tol=None, hint="", where=""):
        self.report.outcomes.append(Outcome(label, bool(passed), detail, error, tol, hint, where))
        return bool(passed)

    def raised(self, key, label):
        """True (after recording the error under ``label``) if the call kept under ``key`` raised."""
        k = self.prefix + key
        if k in self.cap.errors:
            self.add(label, False, self.cap.errors[k])
            return True
        return False

    def constructed(self, key, label, what):
        """True if the object kept under ``key`` (a layer, a network) was built; otherwise records
        why not under ``label`` — the constructor's exception, or "``what`` could not be created"."""
        if self.raised(key, label):
            return False
        if self.info(key) is None:
            return self.add(label, False, f"{what} could not be created.")
        return True

    def numbers(self, key):
        """The raw numeric array kept under ``key`` (any dtype/shape), or ``None``."""
        return self.cap.arrays.get(self.prefix + key)

    def info(self, key):
        """The typed-tree node kept under ``key`` (``{"type": ...}``), or ``None``."""
        return self.cap.meta.get(self.prefix + key)

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

    @staticmethod
    def shown(info):
        """How a kept value's type is named to the learner (``NoneType``, ``list``, ``float`` …)."""
        cls = info.get("class", "?")
        return cls

    def array(self, key, label, shape, what="the result"):
        """The float64 ndarray of the given shape that the probe kept under ``key``, or ``None``
        after recording why not (exception raised, wrong type, dtype or shape)."""
        k = self.prefix + key
        info = self._kept(key, label, what)
        if info is None:
            return None
        if info.get("type") != "array" or info.get("subclass"):
            shown = self.shown(info)
            self.add(label, False, f"{what} is a {shown}; return a numpy.ndarray (np.float64).",
                     hint=_hints.type_hint(shown, shape))
            return None
        dtype = info.get("dtype")
        if dtype != "float64":
            self.add(label, False, f"{what} has dtype {dtype}; it must be float64.",
                     hint=_hints.dtype_hint(dtype))
            return None
        got_shape = _shape(info)
        if got_shape != tuple(shape):
            self.add(label, False, f"{what} has shape {shape_text(got_shape)}; expected {tuple(shape)}.",
                     hint=_hints.shape_hint(got_shape, tuple(shape)) if got_shape is not None else "")
            return None
        arr = self.cap.arrays.get(k)
        if arr is None or arr.shape != tuple(shape) or arr.dtype != np.float64:
            self.add(label, False, f"{what} could not be read back.")
            return None
        self.add(label, True)
        return arr

    def scalar(self, key, label, what="the loss"):
        """The single float64 number (a float, np.float64 or 0-d array) the probe kept under
        ``key``, as a float, or ``None`` after recording why not."""
        k = self.prefix + key
        info = self._kept(key, label, what)
        if info is None:
            return None
        typ = info.get("type")
        shape = _shape(info, (None,))
        if typ not in ("float", "array") or info.get("subclass"):
            shown = self.shown(info)
            self.add(label, False, f"{what} is a {shown}; return a single float (e.g. `np.mean(...)`).",
                     hint=_hints.type_hint(shown, ()) if typ == "none" else "")
            return None
        if shape != ():
            self.add(label, False, f"{what} has shape {shape_text(shape)}; it must be a single number (shape ()).",
                     hint="reduce with np.sum / np.mean over every axis (no `axis=` argument).")
            return None
        if info.get("dtype") != "float64":
            self.add(label, False, f"{what} has dtype {info.get('dtype')}; it must be float64.",
                     hint=_hints.dtype_hint(info.get("dtype")))
            return None
        arr = self.cap.arrays.get(k)
        if arr is None or arr.shape != () or arr.dtype != np.float64:
            self.add(label, False, f"{what} could not be read back.")
            return None
        self.add(label, True)
        return float(arr)

    def value(self, key, label, expect, what="the result"):
        """One check of a whole typed tree (see :mod:`autograder.probe`) against ``expect``:

        * ``("array", shape)`` — a float64 ndarray of that shape (``shape`` may contain ``None``
          for "any length");
        * ``"float"`` — one float64 number (a float, np.float64 or 0-d array);
        * ``"none"`` — ``None``;
        * ``("tuple", [e0, e1, …])`` — a tuple OR list of exactly those items;
        * ``("dict", {name: e, …})`` — a dict with (at least) those keys.

        Returns the same structure with the numbers (float arrays / floats / None), or ``None``
        after recording ONE failure under ``label`` that says where the tree differs."""
        problems = []
        got = self._walk(self.prefix + key, expect, what, problems)
        if problems:
            detail, hint = problems[0]
            self.add(label, False, detail, hint=hint)
            return None
        self.add(label, True)
        return got

    def _walk(self, k, expect, what, problems):
        if k in self.cap.errors:
            problems.append((self.cap.errors[k], ""))
            return None
        info = self.cap.meta.get(k)
        if info is None:
            problems.append((f"{what} was not produced.", ""))
            return None
        typ, shown = info.get("type"), self.shown(info)
        kind = expect if isinstance(expect, str) else expect[0]
        if kind == "none":
            if typ != "none":
                problems.append((f"{what} is a {shown}; expected None.", ""))
            return None
        if kind == "float":
            if typ not in ("float", "array") or _shape(info, (None,)) != () \
                    or info.get("dtype") != "float64" or info.get("subclass"):
                desc = shown if typ != "array" else f"{shown} of shape {shape_text(_shape(info))} " \
                                                    f"and dtype {info.get('dtype')}"
                problems.append((f"{what} is a {desc}; expected one float64 number.",
                                 _hints.type_hint(shown, ()) if typ == "none" else ""))
                return None
            arr = self.cap.arrays.get(k)
            if arr is None or arr.shape != () or arr.dtype != np.float64:
                problems.append((f"{what} could not be read back.", ""))
                return None
            return float(arr)
        if kind == "array":
            shape = tuple(expect[1])
            if typ != "array" or info.get("subclass"):
                problems.append((f"{what} is a {shown}; return a numpy.ndarray (np.float64).",
                                 _hints.type_hint(shown, shape)))
                return None
            if info.get("dtype") != "float64":
                problems.append((f"{what} has dtype {info.get('dtype')}; it must be float64.",
                                 _hints.dtype_hint(info.get("dtype"))))
                return None
            got_shape = _shape(info)
            if got_shape is None or len(got_shape) != len(shape) or \
                    any(s is not None and s != g for s, g in zip(shape, got_shape)):
                want = tuple("any" if s is None else s for s in shape)
                problems.append((f"{what} has shape {shape_text(got_shape)}; expected {want}.",
                                 _hints.shape_hint(got_shape, shape)
                                 if None not in shape and got_shape is not None else ""))
                return None
            arr = self.cap.arrays.get(k)
            if arr is None or arr.shape != got_shape or arr.dtype != np.float64:
                problems.append((f"{what} could not be read back.", ""))
                return None
            return arr
        if kind == "tuple":
            items = expect[1]
            if typ not in ("tuple", "list") or info.get("len") != len(items):
                n = (f" of {info['len']}" if type(info.get("len")) is int else " of an unreadable length") \
                    if typ in ("tuple", "list") else ""
                problems.append((f"{what} is a {shown}{n}; return a tuple of {len(items)} "
                                 f"({', '.join(_describe(e) for e in items)}).",
                                 "did you forget a `return` statement?" if typ == "none" else ""))
                return None
            return tuple(self._walk(f"{k}/{i}", e, f"{what}[{i}]", problems) for i, e in enumerate(items))
        if kind == "dict":
            items = expect[1]
            if typ != "dict":
                problems.append((f"{what} is a {shown}; return a dict with keys {', '.join(map(repr, items))}.", ""))
                return None
            missing = [n for n in items if n not in info.get("keys", [])]
            if missing:
                problems.append((f"{what} has no key {missing[0]!r}.", ""))
                return None
            return {n: self._walk(f"{k}/{n}", e, f"{what}[{n!r}]", problems) for n, e in items.items()}
        raise ValueError(f"unknown expectation {expect!r}")

    def close(self, label, got, ref, tol, name="yours", ref_name="expected", hint_fn=None):
        """Pass if every entry's relative error (see :func:`relative_error`) is within ``tol``."""
        if np.shape(got) == np.shape(ref) and np.array_equal(got, ref):
            # the same numbers (often: the same formula as the reference): an error of exactly 0,
            # as relative_error computes it, in one pass over the arrays instead of ten
            return self.add(label, True, error=0.0, tol=tol)
        err, worst = relative_errors(got, ref)
        if worst <= tol:
            return self.add(label, True, error=worst, tol=tol)
        idx = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
        n_bad = int((err > tol).sum())
        if err.size == 1:                         # a single number: no "index ()"
            idx = (0,) * err.ndim
            detail = "the value differs"
            where = f"{name} {_fmt(np.asarray(got)[idx])}, {ref_name} {_fmt(np.asarray(ref)[idx])}"
        else:
            detail = f"{n_bad} of {err.size} entries differ (worst at index {tuple(int(i) for i in idx)})"
            where = f"there: {name} {_fmt(got[idx])}, {ref_name} {_fmt(ref[idx])}"
        hint = hint_fn(err > tol) if hint_fn else ""
        return self.add(label, False, detail, worst, tol, hint, where)

    def gradient(self, label, got, numerical, tol, dout=None, x=None, candidates=()):
        """``close`` for a gradient: the reference is a numerical gradient, and a failure gets a
        hint from :func:`autograder.hints.gradient_hint` (sign, factor, missing dout, branch,
        plus the spec's ``candidates``: ``(wrong_array, message)`` pairs, or a function returning
        them — called only when the check fails)."""
        return self.close(label, got, numerical, tol, ref_name="numerical",
                          hint_fn=lambda bad: _hints.gradient_hint(
                              got, numerical, dout, x, bad, candidates() if callable(candidates) else candidates))

    def flag(self, key, label, message):
        """True if the probe kept the flag 1.0 under ``key`` (e.g. "the call returned a pair");
        otherwise record ``message`` as a failure and return False. Deprecated: record the return
        value itself (``rec.record``) and judge its typed tree with :meth:`value`."""
        flag = self.cap.arrays.get(self.prefix + key)
        if flag is not None and flag.shape == () and flag.item() == 1.0:
            return True
        return self.add(label, False, message)

    def unchanged(self, key, original, label, argname="x", call=None):
        """The probe kept the argument after the call under ``key``: it must equal ``original``.
        Nothing is recorded (no ✔ for doing nothing) when the call ``call`` raised — or, without
        ``call``, when a call of this case raised NotImplementedError."""
        errors = [v for k, v in self.cap.errors.items() if k.startswith(self.prefix)]
        if (call is not None and self.prefix + call in self.cap.errors) or \
                (call is None and any("NotImplementedError" in e for e in errors)):
            return False
        after = self.cap.arrays.get(self.prefix + key)
        ok = after is not None and after.shape == original.shape and np.array_equal(after, original)
        return self.add(label, ok, "" if ok else f"`{argname}` was changed by your function.",
                        hint="" if ok else _hints.INPLACE)


def _fmt(v):
    return f"{float(v):.6g}"


def _shape(info, default=()):
    """The shape a node records as a tuple; ``None`` when it is not a list of ints (a node the
    host closed, :func:`autograder.probe.closed_node`)."""
    shape = info.get("shape", default)
    if isinstance(shape, (list, tuple)) and all(type(s) is int for s in shape):
        return tuple(shape)
    return None if shape is not default else default


def _describe(expect):
    kind = expect if isinstance(expect, str) else expect[0]
    if kind == "array":
        return f"an array of shape {tuple(expect[1])}"
    return {"float": "a float", "none": "None", "tuple": "a tuple", "dict": "a dict"}.get(kind, kind)


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

    @property
    def grade_id(self) -> str:
        """The nbgrader ``grade_id`` of the item's test cell."""
        return f"test_{self.name}"


def draw_cases(item: Item, hidden=False, seed=None):
    """The inputs of ``item``: the fixed visible ones, or hidden ones from ``seed``."""
    if seed is None:
        seed = int(os.environ.get("AUTOGRADER_SEED", DEFAULT_HIDDEN_SEED)) if hidden else VISIBLE_SEED
    # Each item gets its own stream, so adding an item never changes another item's inputs.
    rng = np.random.default_rng([seed, *item.name.encode()])
    return item.cases(rng, hidden)


def verify(item: Item, cases, captured: Captured, memo: dict | None = None) -> Report:
    """Trusted half: judge the captured data case by case. ``memo``: reference values kept
    across the calls that judge these same cases ({case index: {key: value}}, see
    :meth:`Judge.reference`)."""
    report = Report(item.name, shifted=bool(getattr(captured, "shifted", ())))
    for i, case in enumerate(cases):
        judge = Judge(report, captured, f"c{i}/", None if memo is None else memo.setdefault(i, {}))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                item.verify(judge, case)
            except NotRecorded as exc:              # only in an exercise download: see replay
                report.outcomes.append(Outcome(str(exc), True, deferred=True))
            except Exception as exc:                # a checker bug must never pass a student
                judge.add("internal check", False, f"{type(exc).__name__}: {exc}")
                if isinstance(exc, ValueError) and "read-only" in str(exc):   # NumPy's words
                    report.wrote_read_only = True
    return report


def load_spec(assignment):
    """The spec module of an assignment: ``autograder.specs.<assignment>``."""
    return importlib.import_module(f"autograder.specs.{assignment}")


class CheckFailed(AssertionError):
    """Raised by a notebook check so that nbgrader marks the test cell as failed. Its message
    holds the reasons (nbgrader's Validate shows it); in IPython/Jupyter it is shown as that
    message alone, without a traceback into the checking code."""

    def _render_traceback_(self):
        text = str(self)
        first, _, rest = text.partition("\n")
        return [f"\x1b[31mCheckFailed\x1b[0m: {first}"] + rest.splitlines()


def load_checks(assignment, namespace):
    """Return ``check(name, hidden=False, seed=None)`` for the test cells of ``assignment``.

    ``namespace`` is the notebook's ``globals()``: the student's functions are looked up in it at
    the moment a check runs. ``check`` prints a per-check verdict (✔ green, ✘ red) and raises
    :class:`CheckFailed` (an ``AssertionError`` whose message holds the failed checks' reasons)
    if anything failed. It returns nothing, so a passing cell shows only its verdict.
    """
    spec = load_spec(assignment)

    def check(name, hidden=False, seed=None):
        __tracebackhide__ = True                    # IPython shows the learner's cell, not ours
        item = spec.ITEMS[name]
        cases = draw_cases(item, hidden, seed)
        report = verify(item, cases, run_probe(item, namespace, cases))
        title = f"[hidden] {report.item}" if hidden else report.item
        report.item = title
        print(report.text(values=not hidden, color=True, details=False))
        sys.stdout.flush()
        if not report.passed:
            failed = sum(not o.passed for o in report.merged())
            raise CheckFailed(f"{title}: {failed} check{'s' if failed > 1 else ''} failed\n"
                              + report.reasons(values=not hidden))

    check.spec = spec
    return check
