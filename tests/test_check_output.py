"""What a learner sees in JupyterLab when a test cell runs (issue 9, "In JupyterLab").

Executes notebooks headless with nbclient, as JupyterLab would: the activations solution, the
unmodified student notebook and the solution with known mistakes appended. Then, in every test
cell's outputs:

* no ``Report(`` dump (a passing cell shows only its verdict);
* a failing check ends in a ``CheckFailed`` error whose message holds the reasons (what
  nbgrader's Validate shows) and whose traceback is that message — no frames of the checking code;
* ✔ is green and ✘ red (ANSI colours);
* a function that only raises NotImplementedError gets no ✔ at all;
* a forward that changes its input in place is blamed on the forward, not on the backward.

~25 s on 2 cores (three kernels, one notebook each).
"""
from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

import course
from autograder.kernels import IPCKernelManager
from mutants.activations import MUTANTS

A = "activations"
NB = "activations.ipynb"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GREEN_TICK = "\x1b[32m✔\x1b[0m"
RED_CROSS = "\x1b[31m✘\x1b[0m"


def _run(nb):
    # IPC kernel: xdist workers start kernels at the same time (autograder/kernels.py)
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True, kernel_manager_class=IPCKernelManager,
                   resources={"metadata": {"path": str(course.REPO / "exercises" / A)}}).execute()
    out = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and gid.startswith("test_"):
            out[gid] = cell.outputs
    return out


def _text(outputs):
    parts = []
    for o in outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            parts.append(str(o.get("data", {}).get("text/plain", "")))
        elif o.output_type == "error":
            parts.append(o.evalue + "\n" + "\n".join(o.traceback))
    return "\n".join(parts)


def _released():
    return nbformat.read(course.REPO / "exercises" / A / NB, as_version=4)


@pytest.fixture(scope="module")
def executed():
    answers = course.solution_sources(A, NB)
    wrong = {"answer_relu": MUTANTS["relu_forward modifies its input"][1],
             "answer_tanh": MUTANTS["tanh_backward sign flipped"][1],
             "answer_prelu": MUTANTS["prelu_backward dalpha not summed"][1]}
    return {"solution": _run(course.fill(_released(), answers)),
            "blank": _run(_released()),
            "wrong": _run(course.fill(_released(), answers, wrong))}


def test_no_report_dump_anywhere(executed):
    for name, cells in executed.items():
        for gid, outputs in cells.items():
            assert "Report(" not in _text(outputs), f"{name} {gid}"


def test_solution_cells_pass_quietly_in_colour(executed):
    for gid, outputs in executed["solution"].items():
        assert not [o for o in outputs if o.output_type == "error"], gid
        text = _text(outputs)
        assert GREEN_TICK in text and "✘" not in text, gid
        assert "checks passed" in text


def _error(outputs):
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1
    return errors[0]


def test_every_failing_check_has_its_reason_in_the_error(executed):
    for name in ("blank", "wrong"):
        for gid, outputs in executed[name].items():
            errors = [o for o in outputs if o.output_type == "error"]
            if not errors:
                continue
            err = _error(outputs)
            assert err.ename == "CheckFailed", (name, gid, err.ename)
            assert "see the failed checks above" not in err.evalue
            crosses = [line for line in err.evalue.splitlines() if line.strip().startswith("✘")]
            assert crosses, (name, gid, err.evalue)
            # every ✘ line is followed by at least one line saying why
            lines = err.evalue.splitlines()
            for i, line in enumerate(lines):
                if line.strip().startswith("✘"):
                    assert i + 1 < len(lines) and lines[i + 1].startswith("      ") and lines[i + 1].strip(), \
                        (name, gid, err.evalue)
            tb = ANSI.sub("", "\n".join(err.traceback))
            assert "checks.py" not in tb and "File " not in tb and len(err.traceback) <= 40, tb
            assert RED_CROSS in _text(outputs)


def test_blank_notebook_fails_every_cell_without_a_tick(executed):
    for gid, outputs in executed["blank"].items():
        _error(outputs)
        text = ANSI.sub("", _text(outputs))
        assert "✔" not in text, (gid, text)
        assert "NotImplementedError" in text, gid


def test_in_place_forward_is_blamed_on_the_forward(executed):
    text = ANSI.sub("", _text(executed["wrong"]["test_relu"]))
    assert "✘ relu_forward leaves its input unchanged" in text, text
    assert "✘ relu_backward" not in text, text
    assert "✔ relu_backward: dx matches the numerical gradient" in text, text


def test_scalars_are_not_reported_at_index_brackets(executed):
    for name, cells in executed.items():
        for gid, outputs in cells.items():
            assert "index ()" not in _text(outputs), (name, gid)
