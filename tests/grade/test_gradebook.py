"""autograder.grade.gradebook without a database: the notebook nbgrader is given, timestamps, and
the integrity check against the verdicts."""
import json

import nbformat
from nbformat.v4 import new_code_cell

from autograder.grade import gradebook
from autograder.grade.model import Result, Verdict
from test_notebook import released


def _copy(tmp_path, nb):
    src, dst = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    src.write_text(nb if isinstance(nb, str) else nbformat.writes(nb))
    gradebook._copy_for_nbgrader(src, dst, released())
    return nbformat.read(dst, as_version=4)


def _ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_copy_restores_deleted_tests_and_released_metadata(tmp_path):
    nb = released()
    del nb.cells[2]                                            # test_relu deleted
    nb.cells[3].metadata.nbgrader["points"] = 99               # test_sigmoid's points changed
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x")]
    got = _copy(tmp_path, nb)
    assert _ids(got) == ["setup", "answer_relu", "test_relu", None, "test_sigmoid"]
    assert got.cells[4].metadata.nbgrader["points"] == 1 and got.cells[0].outputs == []


def test_copy_keeps_nbgrader_metadata_only_on_the_last_copy_of_a_released_id(tmp_path):
    nb = released()
    extra = new_code_cell("y = 2")
    extra.metadata["nbgrader"] = {"grade_id": "mine", "grade": True, "points": 5}
    nb.cells.insert(1, extra)
    nb.cells.insert(1, nbformat.from_dict(json.loads(json.dumps(nb.cells[2]))))   # answer twice
    got = _copy(tmp_path, nb)
    assert _ids(got) == ["setup", None, None, "answer_relu", "test_relu", None, "test_sigmoid"]


def test_copy_replaces_lone_surrogates(tmp_path):
    text = nbformat.writes(released()).replace("import numpy as np", "import numpy as np  # \\ud800")
    got = _copy(tmp_path, text)
    assert got.cells[0].source.endswith("\ufffd")


def test_valid_timestamp():
    assert gradebook.valid_timestamp("2026-12-01 10:00:00.5 UTC") == "2026-12-01 10:00:00.5 UTC"
    assert gradebook.valid_timestamp("not a date") is None and gradebook.valid_timestamp("9" * 200) is None
    assert gradebook.valid_timestamp(None) is None


def test_integrity_compares_scores_with_verdicts(tmp_path):
    res = Result("alice")
    res.verdicts = {"a.ipynb": {"test_relu": Verdict("test_relu", True, ""),
                                "test_sig": Verdict("test_sig", False, "")}}
    db = f"sqlite:///{tmp_path / 'g.db'}"
    ok = {"alice": {"test_relu": (2.0, 2.0), "test_sig": (0.0, 1.0)}}
    assert gradebook.integrity(db, "a", [res], ok) == []
    bad = {"alice": {"test_relu": (0.0, 2.0)}}
    assert gradebook.integrity(db, "a", [res], bad) == ["alice: test_relu is 0.0, the verdict says 2.0",
                                                         "alice: no grade for test_sig"]
    assert gradebook.integrity(db, "a", [res], {}) == ["alice: no submission in the gradebook"]


def test_noteworthy_is_a_warning_or_an_error():
    assert not gradebook._noteworthy("[INFO] x\n[DEBUG] y")
    assert gradebook._noteworthy("[INFO] x\n[WARNING] alice is 3 seconds late")
    assert gradebook._noteworthy("[ERROR] something broke")
