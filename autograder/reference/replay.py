"""Recorded reference results: what an exercise download ships instead of the reference code.

The visible checks call the forward definitions of :mod:`autograder.reference` (the sigmoid, the
XOR network's loss, …) — exactly what a learner is asked to write, so the "Get the exercise" zip
must not contain them. When the book builds a bundle it runs the visible checks of the exercise
with the real definitions — on the solution's answers and on wrong versions of them, so that the
hints' comparisons run too — and keeps every call they make (arguments and result) as data
(:func:`recording`, :func:`dump`; ``book/_ext/exercise_bundles.py`` drives it). In the bundle each ``autograder/reference/<m>.py`` is a
three-line stub (:func:`stub_source`) whose functions look their results up in that data
(:func:`module`): the checks' code is the same as in the repository, only the reference answers
come from a table.

A call is answered by the recorded call of the same function whose arguments have the same
structure and are nearest to the given ones: an exact match first, else the nearest within
:data:`MATCH_TOL` (relative), which absorbs rounding differences of another NumPy/BLAS; being
the nearest, the ±h calls of a central difference (≥ ~1e-8 apart) are never swapped. A call
nothing was recorded for — a large input (:data:`MAX_ENTRIES`), or the learner's own results
that no correct run produces, e.g. wrongly trained parameters judged with the reference
forward — raises :class:`NotRecorded`: ``autograder.checks.verify`` shows the rest of that
case as ○ "left to the grader" (counted as passed; in the repository it never happens).
"""
from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import io
import importlib
import json
import sys
import types
import zipfile
from pathlib import Path

import numpy as np

#: Largest relative difference between given and recorded arguments that still counts as "the
#: same call" (rounding of a different BLAS is ~1e-15; perturbations of a central difference
#: are ≥ ~1e-8 of the array's scale).
MATCH_TOL = 1e-9
#: Calls with an array larger than this (entries) are not recorded: the "large input" cases
#: (150 000 numbers per array) would make a download of hundreds of megabytes; their checks are
#: left to the grader (see ``autograder.checks.verify``).
MAX_ENTRIES = 5000
#: The data file, next to this module in a bundle.
DATA = Path(__file__).with_name("recorded.npz")


class NotRecorded(LookupError):
    """A reference call the exercise download has no recorded answer for; its message says why
    (shown to the learner as the check left to the grader)."""


#: Why a call has no recorded answer: the arguments are a large input, or the learner's own results.
LARGE = "the checks on the large input are left to the grader (its reference values would make this download too big)"
OWN = ("the remaining checks of this case are left to the grader: they judge your own results with "
       "the course's reference code, which this download does not contain")


# ----------------------------------------------------------------- encoding (JSON + arrays)
class _Arrays(list):
    """The arrays of a recording, each distinct one stored once."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def add(self, arr) -> int:
        key = (arr.dtype.str, arr.shape, hashlib.sha256(np.ascontiguousarray(arr).tobytes()).hexdigest())
        if key not in self.seen:
            self.append(np.array(arr, copy=True))
            self.seen[key] = len(self) - 1
        return self.seen[key]


def _encode(value, arrays: _Arrays, names: dict):
    """A JSON-able tree for ``value``; arrays (and NumPy scalars) go to ``arrays``; reference
    functions are named (``names``: id(function) -> name)."""
    if isinstance(value, np.ndarray):
        return {"a": arrays.add(value)}
    if isinstance(value, np.generic):
        return {"n": arrays.add(np.asarray(value))}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"v": value}
    if isinstance(value, tuple):
        return {"t": [_encode(v, arrays, names) for v in value]}
    if isinstance(value, list):
        return {"l": [_encode(v, arrays, names) for v in value]}
    if isinstance(value, dict):
        return {"d": [[_encode(k, arrays, names), _encode(v, arrays, names)] for k, v in value.items()]}
    if callable(value) and id(value) in names:
        return {"f": names[id(value)]}
    raise TypeError(f"cannot record a {type(value).__name__} ({value!r:.60})")


def _decode(tree, arrays, functions):
    kind, val = next(iter(tree.items()))
    if kind == "a":
        return np.array(arrays[val], copy=True)
    if kind == "n":
        return arrays[val][()]
    if kind == "v":
        return val
    if kind == "t":
        return tuple(_decode(v, arrays, functions) for v in val)
    if kind == "l":
        return [_decode(v, arrays, functions) for v in val]
    if kind == "d":
        return {_decode(k, arrays, functions): _decode(v, arrays, functions) for k, v in val}
    if kind == "f":
        return functions[val]
    raise ValueError(f"unknown recorded value {tree!r}")


def _leaves(value, names, out):
    """Flatten a live value into (structure signature, numeric leaves) for matching."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        out.append(arr)
        return f"A{arr.dtype.str}{arr.shape}"
    if isinstance(value, float) and not isinstance(value, bool):
        out.append(np.float64(value))
        return "F"
    if value is None or isinstance(value, (bool, int, str)):
        return f"V{value!r}"
    if isinstance(value, (tuple, list)):
        return ("T(" if isinstance(value, tuple) else "L(") + ",".join(_leaves(v, names, out) for v in value) + ")"
    if isinstance(value, dict):
        return "D(" + ",".join(f"{_leaves(k, names, out)}:{_leaves(v, names, out)}" for k, v in value.items()) + ")"
    if callable(value) and id(value) in names:
        return f"f{names[id(value)]}"
    raise TypeError(f"cannot match a {type(value).__name__}")


def _digest(signature, leaves):
    h = hashlib.sha256(signature.encode())
    for leaf in leaves:
        h.update(np.ascontiguousarray(leaf).tobytes())
    return h.hexdigest()


def _distance(a, b):
    """Largest relative difference between two lists of numeric leaves (inf if any non-float
    leaf differs)."""
    from autograder.gradcheck import max_relative_error

    worst = 0.0
    for x, y in zip(a, b):
        if x.dtype.kind == "f" and y.dtype.kind == "f":
            worst = max(worst, max_relative_error(x, y))
        elif not np.array_equal(x, y):
            return np.inf
    return worst


# ----------------------------------------------------------------- recording (book build)
def _public(module):
    return {n: v for n, v in vars(module).items() if not n.startswith("__") and not isinstance(v, types.ModuleType)}


def _function_names(module):
    """id(function) -> its public name in ``module`` (re-exported functions included)."""
    return {id(v): n for n, v in _public(module).items() if isinstance(v, types.FunctionType)}


class Recording:
    def __init__(self, modules):
        self.modules = {m.__name__.rsplit(".", 1)[1]: m for m in modules}
        self.calls = {name: {} for name in self.modules}   # module -> function -> [(args, kwargs, result)]
        self.depth = 0
        #: record only calls whose arrays have at most this many entries (None: every call)
        self.limit = None
        #: module -> {id(function): name}, for the originals and the recording versions
        self.names = {name: _function_names(m) for name, m in self.modules.items()}


@contextlib.contextmanager
def recording(module_names=None):
    """Within the block every public function of the reference modules (all, or those named)
    records its outermost calls; yields the :class:`Recording`."""
    import pkgutil

    import autograder.reference as pkg
    names = module_names or [m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name != "replay"]
    modules = [importlib.import_module(f"autograder.reference.{n}") for n in names]
    rec = Recording(modules)
    saved = []
    for short, module in rec.modules.items():
        for name, value in _public(module).items():
            if isinstance(value, types.FunctionType):
                saved.append((module, name, value))
                wrapper = _recorder(rec, short, name, value)
                rec.names[short][id(wrapper)] = name
                setattr(module, name, wrapper)
    # constants holding functions (e.g. a dict of activations) hand out the recording versions
    for short, module in rec.modules.items():
        for name, value in _public(module).items():
            if isinstance(value, dict) and any(isinstance(v, types.FunctionType) for v in value.values()):
                saved.append((module, name, value))
                names = rec.names[short]
                setattr(module, name, {k: getattr(module, names[id(v)]) if id(v) in names else v
                                       for k, v in value.items()})
    try:
        yield rec
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def _bound(signature, args, kwargs):
    """Every argument by position, defaults filled in: ``f(0)``, ``f(seed=0)`` and ``f()`` are
    one call."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return tuple(bound.arguments.values())


def _recorder(rec, short, name, function):
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        outermost = rec.depth == 0
        try:
            given = copy.deepcopy((_bound(signature, args, kwargs), {})) if outermost else None
        except TypeError:                   # a wrong call: let the function raise its own error
            return function(*args, **kwargs)
        rec.depth += 1
        try:
            result = function(*args, **kwargs)
        finally:
            rec.depth -= 1
        if outermost and (rec.limit is None or _small((given, result), rec.limit)):
            rec.calls[short].setdefault(name, []).append((*given, copy.deepcopy(result)))
        return result
    return wrapper


def _small(value, limit) -> bool:
    if isinstance(value, np.ndarray):
        return value.size <= limit
    if isinstance(value, (tuple, list)):
        return all(_small(v, limit) for v in value)
    if isinstance(value, dict):
        return all(_small(v, limit) for v in value.values())
    return True


def dump(rec: Recording, modules, path: Path) -> None:
    """Write what ``rec`` holds for the reference ``modules`` (short names) to ``path`` (.npz)."""
    arrays = _Arrays()
    index = {}
    for short in modules:
        module = rec.modules[short]
        names = rec.names[short]
        constants, functions, parameters = {}, [], {}
        for name, value in _public(module).items():
            if isinstance(value, types.FunctionType):
                functions.append(name)
                parameters[name] = [[p.name, None if p.default is p.empty else _encode(p.default, arrays, names)]
                                    for p in inspect.signature(value).parameters.values()]
            else:
                constants[name] = _encode(value, arrays, names)
        calls = {}
        for name, made in rec.calls[short].items():
            seen = set()
            for args, kwargs, result in made:
                key = _digest(*_sig(args, kwargs, names))
                if key not in seen:                                     # each distinct call once
                    seen.add(key)
                    calls.setdefault(name, []).append([_encode(v, arrays, names) for v in (args, kwargs, result)])
        index[short] = {"doc": module.__doc__ or "", "functions": sorted(functions), "parameters": parameters,
                        "constants": constants, "calls": calls}
    payload = {str(i): a for i, a in enumerate(arrays)}
    payload["index"] = np.array(json.dumps(index, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    # an .npz (what np.load reads) with fixed member dates: the same recording, the same bytes
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, arr in payload.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", (2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def _sig(args, kwargs, names):
    leaves: list = []
    signature = _leaves((tuple(args), dict(sorted(kwargs.items()))), names, leaves)
    return signature, leaves


def stub_source(short: str) -> str:
    """The text of ``autograder/reference/<short>.py`` in an exercise download."""
    return (f'"""Recorded results of ``autograder.reference.{short}`` for this exercise\'s visible checks.\n\n'
            "The exercise download holds no reference implementation (it is what you write): the\n"
            "checks look up the answers the course's own definitions gave on the visible cases,\n"
            'in ``recorded.npz`` (see ``replay.py``)."""\n'
            "from autograder.reference import replay as _replay\n\n"
            "globals().update(_replay.module(__name__))\n")


# ----------------------------------------------------------------- replay (in a bundle)
@functools.lru_cache(maxsize=None)
def _load(path=None):
    with np.load(path or DATA, allow_pickle=False) as data:
        index = json.loads(str(data["index"][()]))
        arrays = [data[str(i)] for i in range(len(data.files) - 1)]
    return index, arrays


def module(qualified: str) -> dict:
    """The namespace of a reference stub: its constants and one look-up function per name."""
    short = qualified.rsplit(".", 1)[1]
    index, arrays = _load()
    if short not in index:
        raise ImportError(f"no recorded results for autograder.reference.{short}")
    entry = index[short]
    functions: dict = {}
    ids: dict = {}
    for name in entry["functions"]:
        functions[name] = _replayer(short, name, entry, arrays, functions, ids)
        ids[id(functions[name])] = name
    for name in entry["functions"]:
        functions[name].__signature__ = inspect.Signature([
            inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=inspect.Parameter.empty if d is None else _decode(d, arrays, functions))
            for p, d in entry["parameters"][name]])
    namespace = dict(functions)
    for name, tree in entry["constants"].items():
        namespace[name] = _decode(tree, arrays, functions)
    return namespace


def _replayer(short, name, entry, arrays, functions, ids):
    table = None

    def build():
        exact, by_sig = {}, {}
        for args_t, kwargs_t, result_t in entry["calls"].get(name, []):
            args = _decode(args_t, arrays, functions)
            kwargs = _decode(kwargs_t, arrays, functions)
            signature, leaves = _sig(args, kwargs, ids)
            exact.setdefault(_digest(signature, leaves), result_t)
            by_sig.setdefault(signature, []).append((leaves, result_t))
        return exact, by_sig

    def lookup(*args, **kwargs):
        nonlocal table
        if table is None:
            table = build()
        args, kwargs = _bound(lookup.__signature__, args, kwargs), {}
        exact, by_sig = table
        signature, leaves = _sig(args, kwargs, ids)
        found = exact.get(_digest(signature, leaves))
        if found is None:
            best = min(((_distance(leaves, rec), i) for i, (rec, _) in enumerate(by_sig.get(signature, []))),
                       default=(np.inf, -1))
            if best[0] > MATCH_TOL:
                raise NotRecorded(LARGE if not _small(leaves, MAX_ENTRIES) else OWN)
            found = by_sig[signature][best[1]][1]
        return _decode(found, arrays, functions)

    lookup.__name__ = lookup.__qualname__ = name
    lookup.__module__ = f"autograder.reference.{short}"
    return lookup


if __name__ == "__main__":      # pragma: no cover
    sys.exit("used by book/_ext/exercise_bundles.py")
