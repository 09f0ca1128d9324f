"""autograder.grade.nbgrader_hooks: the verdicts become test-cell outputs nbgrader scores."""
import json

from autograder.grade import nbgrader_hooks
from autograder.grade.nbgrader_hooks import AUTOGRADE_PREPROCESSORS, InjectVerdicts, UseBatchGrader
from test_notebook import released


def test_verdicts_become_outputs(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "a.json").write_text(json.dumps({"test_relu": {"passed": False, "text": "relu: wrong\nmore"}}))
    nb, _ = InjectVerdicts(verdicts_dir=str(tmp_path)).preprocess(
        released(), {"nbgrader": {"student": "alice", "notebook": "a"}})
    outs = [[o.output_type for o in c.outputs] if c.cell_type == "code" else None for c in nb.cells]
    assert outs == [[], [], ["stream", "error"], None, ["stream", "error"]]
    assert nb.cells[2].outputs[1].evalue == "relu: wrong" and nb.cells[4].outputs[0].text == "not graded\n"


def test_passed_verdict_is_stdout_only(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "a.json").write_text(json.dumps({g: {"passed": True, "text": "ok"}
                                                         for g in ("test_relu", "test_sigmoid")}))
    nb, _ = InjectVerdicts(verdicts_dir=str(tmp_path)).preprocess(
        released(), {"nbgrader": {"student": "bob", "notebook": "a"}})
    assert [len(c.outputs) for c in nb.cells if c.cell_type == "code"] == [0, 0, 1, 1]


def test_formgrader_hook_says_what_to_run_when_the_grader_did_not(tmp_path):
    import pytest
    with pytest.raises(RuntimeError, match="python -m autograder.grade act submitted --student zed"):
        UseBatchGrader(course_root=str(tmp_path)).preprocess(
            released(), {"nbgrader": {"assignment": "act", "student": "zed", "notebook": "act"}})
    assert nbgrader_hooks.__name__ + ".InjectVerdicts" in AUTOGRADE_PREPROCESSORS
