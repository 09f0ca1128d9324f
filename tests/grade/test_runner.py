"""autograder.grade.runner on its own (no sandbox): which limit stopped a cell or an item's probe.

The CPU-time limit is the student's budget; the wall-clock alarm is only a backstop for code that
waits. The runner must say which one fired ("timeout" or "wall"), so that a busy machine is never
reported as the student's slow code. Deterministic: the code under test sleeps far past the
wall-clock alarm (no CPU used), or spins forever (the CPU limit fires); nothing is timed here.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder.checks import draw_cases, load_spec
from autograder.grade.runner import load_cases, write_cases

REPO = Path(__file__).resolve().parents[2]


def _run(tmp_path, cells, cpu=30, wall=600.0):
    ind, out = tmp_path / "in", tmp_path / "out"
    ind.mkdir(parents=True)
    write_cases(ind, {"relu": draw_cases(load_spec("activations").ITEMS["relu"], hidden=True, seed=1)})
    (ind / "job.json").write_text(json.dumps({
        "assignment": "activations", "cells": cells, "items": ["relu"],
        "cell_timeout": cpu, "item_timeout": cpu, "cell_wall": wall, "item_wall": wall}))
    subprocess.run([sys.executable, "-m", "autograder.grade.runner", str(ind), str(out)], cwd=tmp_path,
                   env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"},
                   check=True, timeout=300)
    cells = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines()]
    return cells, json.loads((out / "items" / "relu.status.json").read_text())["status"]


def test_a_probe_that_waits_is_stopped_by_the_wall_clock_and_says_so(tmp_path):
    cells, item = _run(tmp_path, ["import time\ndef relu_forward(x):\n    time.sleep(600)\n    return x\n"],
                       wall=0.3)
    assert [c["status"] for c in cells] == ["ok"] and item == "wall"


def test_a_probe_that_spins_runs_out_of_cpu_time(tmp_path):
    cells, item = _run(tmp_path, ["def relu_forward(x):\n    while True:\n        pass\n"], cpu=1)
    assert [c["status"] for c in cells] == ["ok"] and item == "timeout"


def test_a_cell_that_waits_is_told_apart_from_one_that_spins(tmp_path):
    waits, _ = _run(tmp_path / "a", ["import time\ntime.sleep(600)\n"], wall=0.3)
    spins, _ = _run(tmp_path / "b", ["while True:\n    pass\n"], cpu=1)
    assert [c["status"] for c in waits + spins] == ["wall", "timeout"]
    assert "wall clock" in waits[0]["error"] and "CPU time" in spins[0]["error"]


def test_the_inputs_come_back_as_written(tmp_path):
    cases = {"a": [{"x": np.arange(6.0).reshape(2, 3), "n": np.float64(2.5)}, {"x": np.zeros((0, 4))}],
             "b": [{"m": np.array([[True, False]]), "i": np.arange(3, dtype=np.int32)[::-1]}]}
    write_cases(tmp_path, cases)
    back = load_cases(tmp_path)
    assert list(back) == ["a", "b"] and [list(c) for c in back["a"]] == [["x", "n"], ["x"]]
    for item, got in back.items():
        for case, case_back in zip(cases[item], got):
            for k, v in case.items():
                assert case_back[k].dtype == np.asarray(v).dtype and case_back[k].shape == np.shape(v)
                assert np.array_equal(case_back[k], v) and not case_back[k].flags.writeable
