"""Runs ONE submission inside the sandbox: ``python -m autograder.grade.runner IN OUT``.

``IN/job.json`` lists the code cells to execute (test cells are never sent in) and the items to
probe; ``IN/cases.bin`` and ``IN/cases.json`` hold the inputs the host drew (:func:`write_cases`).
The runner executes the cells in an IPython shell (so magics work as in Jupyter), each under a
time limit, then calls each item's probe on the resulting namespace and writes what came back to
``OUT/items/<item>/`` as plain arrays + JSON, one item at a time, so a crash or a kill still
leaves the earlier items' results.

Each cell and each item's probe is limited in CPU time (``ITIMER_PROF``: time the machine spends
on this process, so a busy machine never makes honest work fail), with a wall-clock alarm only as
a generous backstop (a cell that sleeps). One JSON line per cell is appended to
``OUT/cells.jsonl`` (a results file rewritten after every cell made 10,000 cells cost minutes).

Nothing here decides a score: the host reads ``OUT`` and judges it (``autograder.grade.host``).
"""
import __future__
import io
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

#: For the grader's profile (``done.json``): when the runner began, and the CPU it had used by then
_STARTED = [time.monotonic(), time.process_time()]

OUTPUT_CAP = 20_000          # characters of printed output kept per cell


class _Timeout(BaseException):
    """Raised by the CPU-time alarm; a BaseException so a student's ``except Exception`` can't eat it."""

    status = "timeout"


class _WallTimeout(_Timeout):
    """Raised by the wall-clock backstop: the code waited (it sleeps, or the machine was so busy
    that it got almost no CPU), which is not the same as using up its CPU budget — the host says
    so (status ``wall``) instead of blaming the student's code."""

    status = "wall"


def _alarm(signum, frame):
    raise _WallTimeout() if signum == signal.SIGALRM else _Timeout()


class _CappedText(io.TextIOBase):
    def __init__(self, cap):
        self.parts, self.size, self.cap = [], 0, cap

    def write(self, s):
        if self.size < self.cap:
            s = str(s)[: self.cap - self.size]
            self.parts.append(s)
            self.size += len(s)
        return len(s)

    def getvalue(self):
        return "".join(self.parts)


def _limit(cpu, wall):
    """Arm (or, with 0, disarm) the CPU-time timer and the wall-clock backstop."""
    signal.setitimer(signal.ITIMER_PROF, float(cpu))
    signal.setitimer(signal.ITIMER_REAL, float(wall))


def _cell_limit(exc, cpu, wall):
    if exc.status == "wall":
        return f"cell waited longer than {wall} s of wall clock"
    return f"cell used more than {cpu} s of CPU time"


def _write_json(path, doc):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, path)


#: The hidden inputs of a batch (written once by the host, linked into every job): the arrays'
#: bytes one after another in ``cases.bin``, and where each one is in ``cases.json``
#: (``{item: [{name: [dtype, shape, offset]}, ...one dict per case]}``). Mapped, not read: the
#: 27 MB of an exercise's large inputs cost a sandbox no copy until a probe hands them out.
CASES_BIN, CASES_INDEX = "cases.bin", "cases.json"


def write_cases(folder, cases_by_item):
    """Write ``{item: [case dict of arrays, ...]}`` into ``folder`` (host side)."""
    from autograder.probe import write_arrays
    with open(Path(folder) / CASES_BIN, "wb") as f:
        index = {item: [write_arrays(f, case) for case in cases] for item, cases in cases_by_item.items()}
    (Path(folder) / CASES_INDEX).write_text(json.dumps(index))


def load_cases(in_dir):
    """``{item: [case dict of read-only arrays, ...]}`` of a job's ``IN`` folder."""
    import numpy as np
    index = json.loads((Path(in_dir) / CASES_INDEX).read_text())
    data = np.memmap(Path(in_dir) / CASES_BIN, dtype=np.uint8, mode="r")
    return {item: [{name: np.ndarray(tuple(shape), np.dtype(dtype), buffer=data, offset=offset)
                    for name, (dtype, shape, offset) in case.items()} for case in cases]
            for item, cases in index.items()}


#: Names that only mean something under IPython: a notebook that uses one runs in IPython.
_IPYTHON_NAMES = re.compile(r"\b(get_ipython|display|IPython|In|Out|exit|quit|__IPYTHON__|_ih|_oh|_dh"
                            r"|_|_i{1,3}|_i?\d+|__|___)\b")
_FUTURE = 0
for _feature in __future__.all_feature_names:
    _FUTURE |= getattr(__future__, _feature).compiler_flag


def plain_python(cells):
    """The cells compiled as plain Python (a list of code objects), or None when a cell needs
    IPython: it is not valid Python (magics, ``!shell``, ``?`` help, prompts, indented code,
    top-level ``await`` — IPython's transformers handle those) or it names something IPython
    provides. Plain Python runs the same code without importing IPython, ~70 ms of CPU per
    submission; a ``from __future__`` import carries over to later cells, as in IPython."""
    flags, code = 0, []
    for index, source in enumerate(cells):
        if _IPYTHON_NAMES.search(source):
            return None
        try:
            compiled = compile(source, f"<cell {index}>", "exec", flags, dont_inherit=True)
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
            return None
        flags |= compiled.co_flags & _FUTURE
        code.append(compiled)
    return code


class _Outcome:
    def __init__(self, error=None):
        self.error_before_exec, self.error_in_exec = None, error


class PlainShell:
    """What the runner needs of IPython's ``InteractiveShell`` (``run_cell`` and ``user_ns``)
    for cells that :func:`plain_python` compiled."""

    def __init__(self, code):
        import builtins
        self.user_ns = {"__name__": "__main__", "__builtins__": builtins}
        self._code = iter(code)

    def run_cell(self, source, store_history=False, silent=False):
        code = next(self._code)
        try:
            exec(code, self.user_ns)
        except _Timeout:
            raise
        except BaseException as exc:          # as IPython: SystemExit and the like end the cell
            return _Outcome(exc)
        return _Outcome()


#: The one process that may write results: copies a cell forks (``os.fork()``, a fork bomb)
#: return into this loop too, and leave as soon as they do (:func:`_only_owner`).
_OWNER = [0]


def _only_owner():
    if os.getpid() != _OWNER[0]:
        os._exit(0)


def main(in_dir, out_dir):
    _OWNER[0] = os.getpid()
    # output written to the file descriptors (os.write(1, ...)) past the file-size limit fails
    # with an error in the student's code instead of killing the runner (SIGXFSZ)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    job = json.loads((in_dir / "job.json").read_text())
    (out_dir / "items").mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGPROF, _alarm)
    cell_cpu, cell_wall = job["cell_timeout"], job.get("cell_wall", 4 * job["cell_timeout"])

    code = plain_python(job["cells"])
    if code is not None:
        shell = PlainShell(code)
    else:
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.display_pub.publish = lambda *a, **k: None      # no frontend to display to
        # IPython keeps a copy of everything printed in its output history (``_tee``), past the
        # runner's cap: 300k printed lines held 477 MB. Nothing here reads that history.
        import contextlib
        shell._tee = lambda channel: contextlib.nullcontext()
    import numpy  # noqa: F401  (every notebook imports it; done here it counts as start-up)
    inputs = load_cases(in_dir)       # mapped before any of the student's code runs
    marks = {"start": _STARTED, "ready": [time.monotonic(), time.process_time()]}

    log = open(out_dir / "cells.jsonl", "a", buffering=1)
    for index, source in enumerate(job["cells"]):
        out = _CappedText(OUTPUT_CAP)
        status, error = "ok", ""
        old = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = out
        start = time.monotonic()
        try:
            _limit(cell_cpu, cell_wall)
            result = shell.run_cell(source, store_history=False, silent=False)
            _limit(0, 0)
            exc = result.error_in_exec or result.error_before_exec
            if isinstance(exc, _Timeout):          # IPython caught our alarm inside the cell
                status, error = exc.status, _cell_limit(exc, cell_cpu, cell_wall)
            elif isinstance(exc, MemoryError):
                status, error = "memory", "MemoryError"
            elif exc is not None:
                status, error = "error", type(exc).__name__
        except _Timeout as exc:
            status, error = exc.status, _cell_limit(exc, cell_cpu, cell_wall)
        except MemoryError:
            status, error = "memory", "MemoryError"
        finally:
            _limit(0, 0)
            sys.stdout, sys.stderr = old
        _only_owner()
        log.write(json.dumps({"index": index, "status": status, "error": error[:200],
                              "seconds": round(time.monotonic() - start, 3)}) + "\n")

    marks["cells"] = [time.monotonic(), time.process_time()]
    from autograder.probe import load_probes, run_probe
    probes = load_probes(job["assignment"])
    namespace = shell.user_ns
    item_cpu, item_wall = job["item_timeout"], job.get("item_wall", 4 * job["item_timeout"])
    for name in job["items"]:
        start = time.monotonic()
        status = "ok"
        try:
            _limit(item_cpu, item_wall)
            cap = run_probe(probes[name], namespace, inputs[name])
            _limit(0, 0)
            _only_owner()                         # a copy forked by the student's function
            cap.save(out_dir / "items" / name)
        except _Timeout as exc:
            status = exc.status                   # "timeout" (CPU time) or "wall" (the backstop)
        except MemoryError:
            status = "memory"
        except Exception as exc:                  # e.g. results too large to save (RLIMIT_FSIZE)
            status = f"error: {type(exc).__name__}"
        finally:
            _limit(0, 0)
        _only_owner()
        _write_json(out_dir / "items" / f"{name}.status.json",
                    {"status": status, "seconds": round(time.monotonic() - start, 3)})
    _only_owner()
    marks["probe"] = [time.monotonic(), time.process_time()]
    # [monotonic clock, CPU seconds of this process] at each step: only ever used for timing
    _write_json(out_dir / "done.json", {"ok": True, "marks": marks})
    sys.stdout.flush()
    os._exit(0)                # skip interpreter teardown (and any atexit hooks a student added)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
