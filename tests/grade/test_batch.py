"""autograder.grade.batch: how what a sandbox left behind becomes statuses and verdicts (no sandbox
runs here: the output folders are written by hand)."""
import json
from types import SimpleNamespace

from autograder.grade import batch
from autograder.grade.batch import Batch, student_seed
from autograder.grade.model import Result, Status
from autograder.grade.sandbox import Limits, RunResult
from test_notebook import released


def _batch(tmp_path):
    box = SimpleNamespace(limits=Limits(cell=3, item=4), isolation="full", backstop=120.0, cpu_budget=100.0,
                          cell_backstop=lambda s: 4 * s)
    return Batch("activations", {"a.ipynb": released()}, box, seed=1, work=tmp_path, workers=2)


def _out(tmp_path, cells=(), items=None, done=True):
    out = tmp_path / "out"
    (out / "items").mkdir(parents=True)
    (out / "cells.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cells))
    for name, status in (items or {}).items():
        (out / "items" / f"{name}.status.json").write_text(json.dumps({"status": status}))
    if done:
        (out / "done.json").write_text(json.dumps({"ok": True}))
    return out


def test_cell_and_run_problems_become_statuses(tmp_path):
    b, res = _batch(tmp_path), Result("alice")
    assert b._judge_cells(res, [{"status": "error"}, {"status": ["timeout"]}]) == ""
    assert res.status == Status.GRADED
    assert b._judge_cells(res, [{"status": "memory"}]) == "a cell of your notebook ran out of memory"
    b._judge_run(res, RunResult(returncode=None, seconds=1, killed="cpu"), done=False)
    assert res.status == Status.OUT_OF_MEMORY and "; also" not in res.reason     # the worse one stays
    res = Result("erin")
    b._judge_run(res, RunResult(returncode=None, seconds=1, killed="cpu"), done=False)
    assert res.status == Status.TIMED_OUT and "more than 100 s of CPU time" in res.reason
    res2 = Result("bob")
    b._judge_run(res2, RunResult(returncode=-9, seconds=1), done=False)
    assert (res2.status, res2.reason) == (Status.CRASHED, "the notebook's process ended early (killed by signal 9)")


def test_item_statuses_become_verdicts(tmp_path):
    b, res = _batch(tmp_path), Result("carol")
    relu = b._item("test_relu")
    out = _out(tmp_path, items={"relu": "timeout"})
    v = b._judge_item(res, "test_relu", relu, out, [], "")
    assert not v.passed and v.text == "relu: your functions did not return within 4 s."
    assert res.status == Status.TIMED_OUT
    (out / "items" / "relu.status.json").write_text(json.dumps({"status": "error: OSError"}))
    assert "could not be recorded" in b._judge_item(res, "test_relu", relu, out, [], "").text
    (out / "items" / "relu.status.json").write_text(json.dumps({"status": "ok"}))     # but no results
    v = b._judge_item(res, "test_relu", relu, out, [], "a cell of your notebook timed out")
    assert not v.passed and "could not be read" in v.text and v.text.endswith("note: a cell of your notebook timed out.")


def test_missing_and_unparseable_notebooks_fail_every_cell(tmp_path):
    b = _batch(tmp_path)
    sub = SimpleNamespace(student="dave", notes=[], problem=None, skip=False, files={"a.ipynb": None})
    res = b.grade(sub)
    assert res.status == Status.MISSING and res.stage == {"a.ipynb": None}
    assert [v.passed for v in res.verdicts["a.ipynb"].values()] == [False, False]
    (tmp_path / "bad.ipynb").write_text("{")
    sub.files = {"a.ipynb": tmp_path / "bad.ipynb"}
    res = b.grade(sub)
    assert res.status == Status.UNPARSEABLE and "not graded: the notebook could not be read" in \
        res.verdicts["a.ipynb"]["test_relu"].text


def test_student_seed_is_stable_and_per_student():
    assert student_seed(1, "a") == student_seed(1, "a") != student_seed(1, "b") != student_seed(2, "a")
    assert "probe.py" in batch.LIB_FILES and "grade/runner.py" in batch.LIB_FILES
