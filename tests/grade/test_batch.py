"""autograder.grade.batch: how what a sandbox left behind becomes statuses and verdicts (no sandbox
runs here: the output folders are written by hand)."""
import json
from types import SimpleNamespace

from autograder.grade import batch
from autograder.grade.batch import Batch
from autograder.grade.model import Result, Status
from autograder.grade.sandbox import Limits, RunResult
from test_notebook import released


def _batch(tmp_path, mode="bwrap", root=False):
    box = SimpleNamespace(limits=Limits(cell=3, item=4), isolation="full", backstop=120.0, cpu_budget=100.0,
                          cell_backstop=lambda s: 4 * s, mode=mode, root=root)
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


def test_every_job_gets_the_batch_inputs_and_cannot_change_them(tmp_path):
    import numpy as np
    from autograder.checks import draw_cases
    from autograder.grade.runner import load_cases
    assert "probe.py" in batch.LIB_FILES and "grade/runner.py" in batch.LIB_FILES
    for mode, root, linked in (("bwrap", False, True), ("rlimits", True, True), ("rlimits", False, False)):
        work = tmp_path / f"{mode}-{root}"
        work.mkdir()
        b = _batch(work, mode, root)
        items = {"test_relu": b._item("test_relu"), "test_nothing": None}
        jobs = [work / "job1", work / "job2"]
        cases = [b._prepare(job, released(), released(), items) for job in jobs]
        assert cases[0]["test_relu"] is cases[1]["test_relu"] and set(cases[0]) == {"test_relu"}
        files = [job / "in" / "cases.bin" for job in jobs]
        # one draw from the batch seed, the same for every student
        want = draw_cases(b._item("test_relu"), hidden=True, seed=1)
        got = load_cases(jobs[1] / "in")["relu"]
        assert all(np.array_equal(got[i][k], v) for i, case in enumerate(want) for k, v in case.items())
        # linked where the sandbox cannot write to them; otherwise each job has its own copy
        assert files[0].samefile(files[1]) is linked
        assert (b._case_files / "cases.bin").stat().st_mode & 0o222 == 0
        assert json.loads((jobs[0] / "in" / "job.json").read_text())["items"] == ["relu"]
        assert b.setup_cpu > 0


def _captured_relu(tmp_path):
    """What an honest runner leaves for relu: the probe's Captured of the solution, saved."""
    import course
    from autograder.checks import draw_cases, load_spec, run_probe
    item = load_spec("activations").ITEMS["relu"]
    cases = draw_cases(item, hidden=True, seed=3)
    out = _out(tmp_path, items={"relu": "ok"})
    run_probe(item, course.solution_namespace("activations"), cases).save(out / "items" / "relu")
    return out, cases


def test_results_cut_short_are_never_a_silent_zero(tmp_path):
    # A writer stopped (or read) half-way leaves a truncated arrays.bin behind a status "ok": the
    # item fails, and the submission needs the instructor's look instead of staying "graded".
    b, res = _batch(tmp_path), Result("frank")
    out, cases = _captured_relu(tmp_path)
    relu = b._item("test_relu")
    assert b._judge_item(Result("gina"), "test_relu", relu, out, cases, "").passed    # whole: it passes
    arrays = out / "items" / "relu" / "arrays.bin"
    arrays.write_bytes(arrays.read_bytes()[: arrays.stat().st_size // 2])
    v = b._judge_item(res, "test_relu", relu, out, cases, "")
    assert not v.passed and "could not be read" in v.text
    assert res.status == Status.CRASHED and "relu: the results the sandbox wrote could not be read" in res.reason


def test_a_check_without_status_after_a_normal_run_is_reported(tmp_path):
    b, res = _batch(tmp_path), Result("hal")
    out = _out(tmp_path)                                   # done.json written, no relu status
    v = b._judge_item(res, "test_relu", b._item("test_relu"), out, [], "")
    assert not v.passed and res.status == Status.CRASHED and "no readable status" in v.text


def test_the_wall_clock_backstop_is_told_apart_from_cpu_time(tmp_path):
    # The runner's wall-clock alarm (status "wall") is not the student's CPU budget: the item is
    # "timed out" with a reason that names the backstop and asks for a regrade.
    b, res = _batch(tmp_path), Result("ivy")
    out = _out(tmp_path, cells=[{"status": "ok"}], items={"relu": "wall"})
    v = b._judge_item(res, "test_relu", b._item("test_relu"), out, [], "")
    assert not v.passed and "16 s of wall clock" in v.text and "overloaded" in v.text
    assert res.status == Status.TIMED_OUT and "wall-clock backstop (16 s)" in res.reason
    assert "regrade" in res.reason and "4 s of CPU time" in res.reason
    res2 = Result("jo")
    assert b._judge_cells(res2, [{"status": "wall"}]) == "a cell of your notebook timed out"
    assert res2.status == Status.TIMED_OUT and "wall-clock backstop (12 s)" in res2.reason


def test_checks_judge_the_shared_inputs_and_a_check_that_writes_into_them_is_judged_on_copies(tmp_path):
    """Every verdict reads the batch's read-only cases; a check that writes into its case (none
    of the course's does) fails on them and is judged again on copies: the verdict it would
    always have had, and the shared inputs stay as drawn."""
    import dataclasses

    import numpy as np
    import course
    from autograder.checks import run_probe
    b = _batch(tmp_path)
    relu = b._item("test_relu")
    cases = b._cases["relu"]
    out = _out(tmp_path, items={"relu": "ok"})
    run_probe(relu, course.solution_namespace("activations"), cases).save(out / "items" / "relu")
    honest = b._verify(relu, out, cases)
    assert honest.passed and all(not v.flags.writeable for case in cases for v in case.values()
                                 if isinstance(v, np.ndarray))

    def writes(judge, case):
        case["x"][...] = case["x"] * 1.0         # the same numbers, written in place
        relu.verify(judge, case)

    before = [case["x"].copy() for case in cases]
    again = b._verify(dataclasses.replace(relu, verify=writes), out, cases)
    assert again.passed and again.text(values=True) == honest.text(values=True)
    assert all(np.array_equal(c["x"], x) for c, x in zip(cases, before))
