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
import types
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


# --------------------------------------------------------------------------- closed sets (issue 21 §5)
# What the host reads of a typed tree comes from the learner's process, which can rewrite it. Every
# field the host may show is therefore checked against a closed set (:func:`closed_node`) and
# replaced by fixed words otherwise: no free text, no student-chosen name survives.
KINDS = ("none", "bool", "int", "float", "array", "tuple", "list", "dict", "other")
#: NumPy dtype names a node may carry (``str``, ``bytes``, ``void`` stand for every string, bytes
#: and structured dtype: their field names and lengths are never kept).
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "float96", "float128", "complex64", "complex128",
          "complex192", "complex256", "object", "str", "bytes", "void", "datetime64", "timedelta64")
#: Class names a node may carry; any other class is shown as OTHER_CLASS.
CLASSES = frozenset(
    ["NoneType", "bool", "int", "float", "complex", "str", "bytes", "bytearray", "tuple", "list",
     "dict", "set", "frozenset", "range", "slice", "function", "builtin_function_or_method",
     "method", "type", "module", "generator", "map", "filter", "zip", "enumerate", "object",
     "Ellipsis", "NotImplementedType", "memoryview",
     "numpy.ndarray", "numpy.matrix", "numpy.memmap", "numpy.recarray", "numpy.record",
     "numpy.ma.MaskedArray", "numpy.ma.core.MaskedArray", "numpy.generic", "numpy.void",
     "numpy.str_", "numpy.bytes_", "numpy.bool", "numpy.bool_", "numpy.object_", "numpy.datetime64",
     "numpy.timedelta64", "numpy.dtype", "numpy.ufunc", "numpy.random._generator.Generator",
     "numpy.random.mtrand.RandomState"]
    + [f"numpy.{n}" for n in DTYPES if n[:1] in "iufc"])
OTHER_CLASS = "value of your own type"
#: A shape is a short list of sizes.
MAX_NDIM = 32


def dtype_name(dtype):
    """The name of ``dtype`` in :data:`DTYPES` (structured, string and bytes dtypes by kind)."""
    kind = {"U": "str", "S": "bytes", "V": "void", "M": "datetime64", "m": "timedelta64", "O": "object"}
    name = kind.get(dtype.kind) or dtype.name
    return name if name in DTYPES else "void"


def closed_node(info):
    """One typed-tree node as the host may use it: every field checked against its closed set —
    ``type`` a kind, ``dtype`` a NumPy dtype name, ``shape`` a short list of ints, ``len`` an int,
    ``class`` a known class name, ``keys`` plain identifiers — and anything else replaced by
    fixed words (``shape``/``len``: ``None``) or dropped."""
    out = {"type": info.get("type") if info.get("type") in KINDS else "other"}
    if "dtype" in info:
        out["dtype"] = info["dtype"] if info["dtype"] in DTYPES else "an unexpected dtype"
    if "shape" in info:
        shape = info["shape"]
        ok = isinstance(shape, list) and len(shape) <= MAX_NDIM and \
            all(type(s) is int and 0 <= s < 1 << 48 for s in shape)
        out["shape"] = list(shape) if ok else None
    if "len" in info:
        n = info["len"]
        out["len"] = n if type(n) is int and 0 <= n <= MAX_ITEMS else None
    if "class" in info:
        out["class"] = info["class"] if info["class"] in CLASSES else OTHER_CLASS
    if "keys" in info:
        keys = info["keys"]
        out["keys"] = [k for k in keys[:MAX_ITEMS] if isinstance(k, str) and 0 < len(k) <= 64
                       and set(k) <= _KEY_CHARS - {"/"}] if isinstance(keys, list) else []
    if info.get("subclass") is True:
        out["subclass"] = True
    if "unreadable" in info:
        out["unreadable"] = "a value that could not be read"
    return out


def shape_text(shape):
    """A recorded shape as text (``None``: one the checks could not read)."""
    return "(an unreadable shape)" if shape is None else str(tuple(shape))


# --------------------------------------------------------------------------- shifted inputs (§4)
#: A float array a watched call receives is a *shifted copy* of one of the case's arrays when it
#: has its shape (or stacks copies of it along the first axis), is not equal to it, and every entry
#: that differs does so by at most SHIFT times the case array's largest magnitude (a case array of
#: one entry is one number: SHIFT_SCALAR and opposite shifts, see ``ShiftWatch._shifts_of``;
#: else ``b + h @ W`` falls within 1 % of ``b`` by chance) — what a
#: numerical derivative passes (x ± h at one entry, at a group of entries, or everywhere), never
#: what an honest backward passes (the case's own arrays, or values computed from them).
SHIFT = 1e-2
#: A whole array moved by ONE step (``x + h``, or ``x·(1 + h)``) counts only when the step is at
#: most STEP of the case array's scale: a one-sided numerical derivative must step that little to
#: pass the checks (its error is ~h), while honest code moves a whole array by one amount by
#: structure — ``x @ W1 + b1`` with W1's columns equal (xor's symmetric start) is ``b1`` shifted
#: by one number, |shift| < 1 % of b1's scale in 3.5 % of draws. Steps of either sign at up to
#: SHIFT are still seen as a central difference (x − h after x + h).
STEP = 1e-5
#: A number passed as an argument is shifted when it differs from one of the case's *numbers* by
#: at most SHIFT_SCALAR times its magnitude. The case's numbers are its 0-d values and the entries
#: of the arrays a probe hands to the learner one number at a time (:func:`hands_out_entries`) —
#: never every entry of every array: a backward passes numbers it computed (``dout / N``,
#: ``-dout``) to its layers, and among the thousands of entries of a network's weights one lies
#: within SHIFT_SCALAR of such a number by chance. Numbers an object holds are not looked at
#: either: an honest node keeps values computed from its inputs.
SHIFT_SCALAR = 1e-3
#: Largest number of stacked copies looked at, and of values looked at per call.
MAX_STACK = 64
MAX_SCAN = 256


class ShiftWatch:
    """While a backward runs, every function the learner defined in the namespace (and every
    method of a class they defined) is replaced by a wrapper that looks at the call's inputs —
    its arguments and, for a method, the arrays its object holds — and records whether any is a
    shifted copy of the case's inputs. Only a flag for the instructor: no verdict depends on it."""

    def __init__(self, case, entries=(), inputs=None):
        """``case``: the case's inputs; ``entries``: the keys of its arrays whose entries the
        probe passes to the learner's code as single numbers (compared with number arguments,
        like the case's 0-d values); ``inputs``: what :meth:`inputs` made of them, when a
        probe watches several calls of one case (it is the same every time)."""
        self.arrays, self.values = inputs or self.inputs(case, entries)
        self.found = False
        self._saved = []
        self._shifts = {}           # a case number (or one-entry array) -> the shifts it was seen at

    @staticmethod
    def inputs(case, entries=()):
        """The case's float arrays with their scales, and its numbers (sorted)."""
        arrays, scalars = [], []
        for k, v in case.items():
            v = np.asarray(v)
            if v.dtype.kind != "f" or v.size == 0:
                continue
            scale = float(np.abs(v).max())
            if not np.isfinite(scale):                   # the largest FINITE magnitude
                finite = np.abs(v[np.isfinite(v)])
                scale = float(finite.max()) if finite.size else 0.0
            if v.ndim and scale > 0:
                arrays.append((v, scale))
            if v.ndim == 0 or (k in entries and v.size <= KEEP_INPUTS):
                scalars.append(v.ravel())
        return arrays, np.sort(np.concatenate(scalars)) if scalars else np.zeros(0)

    # -- looking at values ------------------------------------------------------------------
    def _near(self, a, c, scale, key):
        if a.shape == c.shape and np.array_equal(a, c):
            return False            # the input itself, unchanged (most calls): nothing moved
        d = np.abs(a - c)
        if c.size > 1 and d.size:
            # far from it: an entry beyond the step limit and beyond the largest "unmoved" bound
            # (1e-12·max(1, |c|) ≤ 1e-12·max(1, scale) when c is finite) is a moved entry too far
            # — the same answer as the whole test below, in three passes instead of ten
            worst = float(d.max())
            if np.isfinite(worst) and worst > SHIFT * scale and worst > 1e-12 * max(1.0, scale):
                return False
        moved = d > 1e-12 * np.maximum(1.0, np.abs(c))
        if c.size == 1:             # one number: as close as a number argument must be (SHIFT_SCALAR)
            ok = bool(moved.any()) and bool(np.all(d <= SHIFT_SCALAR * np.maximum(np.abs(c), 1e-2)))
            return ok and self._shifts_of(key, (a - c)[moved])
        if not (moved.any() and np.all(np.where(moved, d, 0.0) <= SHIFT * scale)):
            return False
        if not moved.all():         # some entries bit-identical: differenced entry by entry or in groups
            return True
        return self._all_shifted(a - c, c, scale, key)

    def _all_shifted(self, offsets, c, scale, key):
        """Every entry moved, each by little: a numerical derivative moves them by one small step
        (``x + h``, at most STEP of the scale), by one small relative step (``x·(1 + h)``) or at
        opposite steps (``x ± h``) — a computed array near a given one (``x @ W1 + b1`` for a
        small ``x``, near ``b1``) by none of these but by chance."""
        for off in offsets.reshape(-1, *c.shape):
            size = np.abs(off).max()
            if np.ptp(off) <= 1e-6 * size and size <= STEP * scale:            # x + h
                return True
            nz = np.abs(c) > 0
            if nz.all():
                rel = off / c
                if np.ptp(rel) <= 1e-6 * np.abs(rel).max() and np.abs(rel).max() <= STEP:   # x·(1 + h)
                    return True
            seen = self._shifts.setdefault(key, [])
            if any(np.allclose(prev, -off, rtol=1e-6, atol=0.0) for prev in seen):
                return True                                                     # x − h after x + h
            if len(seen) < 8:
                seen.append(off.copy())
        return False

    def _shifts_of(self, key, offsets):
        """A single number near a case's number is evidence only once it has been seen at
        opposite shifts (x + h and x − h, a central difference) in the same watched call: a
        computed number falls within SHIFT_SCALAR of a given one by chance now and then (or
        always: ``b + h @ W`` with tiny weights), two at shifts equal but for the sign never."""
        seen = self._shifts.setdefault(key, [])
        for o in np.ravel(offsets)[:MAX_STACK]:
            o = float(o)
            if any(abs(o + s) <= 1e-6 * abs(o) for s in seen):
                return True
            if len(seen) < MAX_STACK:
                seen.append(o)
        return False

    def _array(self, a, depth=0):
        if a.dtype.kind != "f" or a.ndim == 0:
            return a.ndim == 0 and a.dtype.kind == "f" and depth == 0 and self._scalar(float(a))
        for i, (c, scale) in enumerate(self.arrays):
            if a.shape == c.shape:
                if self._near(a, c, scale, ("array", i)):
                    return True
            elif a.ndim in (c.ndim, c.ndim + 1) and a.shape[a.ndim - c.ndim + 1:] == c.shape[1:] \
                    and a.size % c.size == 0 and 1 < a.size // c.size <= MAX_STACK:
                if self._near(a.reshape(-1, *c.shape), c, scale, ("array", i)):
                    return True
        return False

    def _scalar(self, v):
        if self.values.size == 0 or not np.isfinite(v):
            return False
        i = int(np.searchsorted(self.values, v))
        near = self.values[max(0, i - 1):i + 1]
        d = np.abs(near - v)
        k = int(np.argmin(d))
        return 0 < d[k] <= SHIFT_SCALAR * max(abs(float(near[k])), 1e-2) and \
            self._shifts_of(("number", float(near[k])), [v - float(near[k])])

    def look(self, values):
        """True if any of ``values`` (arguments; containers and objects are looked into, a few
        levels deep) is a shifted copy of the case's inputs."""
        stack, seen = [(v, 0) for v in values], 0
        while stack and seen < MAX_SCAN:
            v, depth = stack.pop()
            seen += 1
            if type(v) is np.ndarray:
                if self._array(v, depth):
                    return True
            elif type(v) is float or isinstance(v, np.floating):
                if depth == 0 and self._scalar(float(v)):
                    return True
            elif depth < 3 and type(v) in (list, tuple):
                stack.extend((x, depth + 1) for x in v[:MAX_ITEMS])
            elif depth < 3 and type(v) is dict:
                stack.extend((x, depth + 1) for x in list(v.values())[:MAX_ITEMS])
            elif depth < 3 and not isinstance(v, (type, types.ModuleType, types.FunctionType)):
                try:
                    attrs = object.__getattribute__(v, "__dict__")
                except Exception:
                    continue
                if type(attrs) is dict:
                    stack.extend((x, depth + 1) for x in list(attrs.values())[:MAX_ITEMS])
        return False

    # -- wrapping the learner's functions ---------------------------------------------------
    def _wrap(self, func):
        watch = self

        def watched(*args, **kwargs):
            if not watch.found:
                try:
                    watch.found = watch.look(list(args) + list(kwargs.values()))
                except Exception:
                    pass
            return func(*args, **kwargs)
        return watched

    def __enter__(self):
        return self

    def install(self, namespace):
        """Wrap the learner's functions and methods found in ``namespace``."""
        for name, value in list(namespace.items()):
            if isinstance(value, types.FunctionType) and value.__globals__ is namespace:
                namespace[name] = wrapper = self._wrap(value)
                self._saved.append((namespace, name, value, wrapper))
            elif isinstance(value, type):
                try:
                    attrs = list(vars(value).items())
                except Exception:
                    continue
                for attr, fn in attrs:
                    if isinstance(fn, types.FunctionType) and fn.__globals__ is namespace and \
                            (not attr.startswith("__") or attr in ("__init__", "__call__")):
                        try:
                            setattr(value, attr, self._wrap(fn))
                            self._saved.append((value, attr, fn, None))
                        except Exception:
                            pass
        return self

    def __exit__(self, *exc):
        for owner, name, value, wrapper in reversed(self._saved):
            try:
                if isinstance(owner, dict):
                    if owner.get(name) is wrapper:        # not rebound by the learner meanwhile
                        owner[name] = value
                else:
                    setattr(owner, name, value)
            except Exception:
                pass
        self._saved = []
        return False


#: Calls watched for shifted inputs: a function or method named ``backward`` / ``*_backward``.
WATCHED = ("backward",)


def watched_label(label):
    last = str(label).rsplit(".", 1)[-1]
    return last in WATCHED or last.endswith("_backward")


#: The file of a saved :class:`Captured` that holds its arrays' bytes (``meta.json`` says where).
ARRAYS = "arrays.bin"


def write_arrays(f, arrays):
    """Append ``{name: array}`` to the binary file ``f`` as raw bytes — C order, each array at a
    multiple of 64 bytes, written without a copy — and return the index that finds them again,
    ``{name: [dtype, shape, offset]}``. The one layout of both directions: the sandbox's results
    (:meth:`Captured.save`) and the hidden inputs the host hands a sandbox
    (``autograder.grade.runner.write_cases``)."""
    index, end = {}, f.tell()
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        offset = f.tell() + -f.tell() % 64
        f.seek(offset)
        data = arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
        f.write(data.tobytes() if data.ndim == 0 else data.data)
        index[name] = [arr.dtype.str, list(arr.shape), offset]
        end = max(end, offset + arr.nbytes)
    f.truncate(max(end, 1))          # an empty array last still lies inside the file (and mmap needs a byte)
    return index


class Captured:
    """Everything a probe brings back: arrays (any numeric dtype), a typed description of each
    value, and the error raised by each call. Only plain data, so it can cross a process boundary
    as raw bytes plus JSON (:meth:`save`)."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.meta: dict[str, dict] = {}
        self.errors: dict[str, str] = {}
        #: Keys of the calls (backwards) during which one of the learner's functions was called
        #: at inputs shifted a little from the case's (see :class:`ShiftWatch`).
        self.shifted: set[str] = set()

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
                info.update(type="int" if arr.dtype.kind in "iu" else "float", dtype=dtype_name(arr.dtype), shape=[])
                self.arrays[key] = arr
            elif isinstance(value, np.ndarray):
                # an ndarray subclass keeps its numbers only (as a plain ndarray), never its methods
                arr = np.array(np.ndarray.view(value, np.ndarray), copy=True)
                info.update(type="array", dtype=dtype_name(arr.dtype), shape=list(arr.shape),
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
        """``meta.json`` (the typed trees, errors, flags, and where each array is) and
        ``arrays.bin`` (every array's bytes, C order, one after another): written without a copy
        or a checksum; the host reads them with its bounded parser
        (``autograder.grade.sandbox_output.parse_arrays``)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ARRAYS, "wb") as f:
            index = write_arrays(f, self.arrays)
        (directory / "meta.json").write_text(json.dumps({"meta": self.meta, "errors": self.errors,
                                                         "shifted": sorted(self.shifted), "arrays": index}))

    @classmethod
    def from_parts(cls, doc, arrays):
        """Build a Captured from the JSON document and the arrays a sandbox wrote — THE one place
        that validates their structure. Anything malformed raises ``ValueError``."""
        if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict) \
                or not isinstance(doc.get("errors"), dict):
            raise ValueError("meta.json has the wrong structure")
        cap = cls()
        for k, v in doc["meta"].items():
            if isinstance(v, dict):
                cap.meta[str(k)[:300]] = closed_node(v)
        cap.errors = {str(k)[:300]: str(v)[:2000] for k, v in doc["errors"].items()}
        shifted = doc.get("shifted", [])
        if isinstance(shifted, list):
            cap.shifted = {str(k)[:300] for k in shifted[:1000]}
        for key, arr in arrays.items():
            if type(arr) is not np.ndarray or arr.dtype.kind not in NUMERIC_KINDS + "b":
                raise ValueError(f"array {str(key)[:80]!r} has dtype {getattr(arr, 'dtype', '?')}")
            cap.arrays[str(key)] = arr
        return cap


class Recorder:
    """What a probe uses to call the student's code: ``rec.call(key, "relu_forward", x)``."""

    def __init__(self, namespace, captured):
        self.ns = namespace
        self.cap = captured
        #: The current case's inputs as drawn (set by :func:`run_probe`): what a watched call's
        #: inputs are compared with (:class:`ShiftWatch`).
        self.case = None
        #: Keys of the case's arrays the probe hands out one number at a time (see
        #: :func:`hands_out_entries`).
        self.entries = ()
        self._watch_next = False
        self._inputs = None          # (case, ShiftWatch.inputs of it)

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
        watched = self._watch_next or watched_label(label)
        self._watch_next = False
        watch = None
        if self.case is not None and watched:
            if self._inputs is None or self._inputs[0] is not self.case:    # once per case
                self._inputs = (self.case, ShiftWatch.inputs(self.case, self.entries))
            watch = ShiftWatch(self.case, self.entries, self._inputs[1])
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if watch is None:
                    return func(*args, **kwargs)
                with watch.install(self.ns):
                    return func(*args, **kwargs)
        except Exception as exc:                          # the student's bug is data, not a crash
            self.cap.fail(key, describe_exception(label, exc))
            return None
        finally:
            if watch is not None and watch.found:
                self.cap.shifted.add(key)

    def watching(self, key, name, *args, **kwargs):
        """``call``, watched for shifted inputs like a backward (:class:`ShiftWatch`): for a
        function that returns gradients without being called ``*_backward``."""
        self._watch_next = True
        try:
            return self.call(key, name, *args, **kwargs)
        finally:
            self._watch_next = False

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


def given_then_fixed(rec, forward, backward, dout, *args):
    """A find-the-bug item: call the GIVEN ``forward(*args)``, which returns ``(out, cache)``
    (a failure is recorded under ``fwd``), then record the learner's fixed ``backward(dout,
    cache)`` under ``grads`` and keep ``dout`` after it under ``dout_after``."""
    res = rec.call("fwd", forward, *args)
    if res is None:
        return
    try:
        out, cache = res
    except Exception as exc:
        rec.fail("fwd", f"`{forward}` must return (out, cache): {type(exc).__name__}: {exc}")
        return
    rec.keep("fwd", np.float64(1.0))
    rec.record("grads", backward, dout, cache)
    rec.keep_input("dout_after", dout)


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

    def watching(self, key, name, *args, **kwargs):
        return self._rec.watching(self._prefix + key, name, *args, **kwargs)

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


def hands_out_entries(*keys):
    """Mark a probe that passes the entries of the case's arrays ``keys`` to the learner's code
    as single numbers (``node.forward(float(x[k]))``): a number argument of a watched call that
    is a shifted copy of one of those entries is then seen (:class:`ShiftWatch`)."""
    def mark(probe):
        probe.entries = tuple(keys)
        return probe
    return mark


def run_probe(probe, namespace, cases) -> Captured:
    """Call ``probe(rec, case)`` on each case (copies of the inputs); ``probe`` may also be an
    object with a ``probe`` attribute (an :class:`autograder.checks.Item`)."""
    probe = getattr(probe, "probe", probe)
    cap = Captured()
    rec = Recorder(namespace, cap)
    rec.entries = tuple(getattr(probe, "entries", ()))
    for i, case in enumerate(cases):
        rec_case = _Prefixed(rec, f"c{i}/")
        rec.case = {k: np.array(v, copy=True) for k, v in case.items()}
        try:
            probe(rec_case, {k: np.array(v, copy=True) for k, v in case.items()})
        except Exception as exc:                    # a probe step on a broken result
            cap.fail(f"c{i}/probe", f"{type(exc).__name__}: {exc}")
    return cap


def load_probes(assignment):
    """``PROBES`` of ``autograder.probes.<assignment>``."""
    import importlib
    return importlib.import_module(f"autograder.probes.{assignment}").PROBES
