"""autograder.grade.pipeline: what stops a run before anything is graded, and the run's profile."""
import pytest

from autograder.grade import pipeline
from autograder.grade.model import GradeOptions, Result

REPO = pipeline.find_course(pipeline.Path(__file__).resolve())


def test_prepare_stops_without_released_notebooks(tmp_path):
    with pytest.raises(pipeline.Stop, match="no released notebooks"):
        pipeline.prepare(GradeOptions("nonesuch", tmp_path, course=REPO))


def test_grade_class_says_why_in_one_line(tmp_path, capsys):
    assert pipeline.grade_class(GradeOptions("nonesuch", tmp_path, course=REPO)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no released notebooks in ") and err.count("\n") == 1


def test_profile_sums_the_phases():
    a, b = Result("a"), Result("b")
    a.add_time("cells", 0.5)
    a.add_time("cells", 0.25)
    b.profile.update({"imports": 0.1, "probe": 0.2})
    prof = pipeline.profile([a, b])
    assert prof["cpu_seconds"]["cells"] == 0.75 and prof["cpu_seconds"]["host verify"] == 0
    assert prof["submissions"] == 2 and prof["sandbox_profiled"] == 1


def test_find_course():
    assert (REPO / "nbgrader_config.py").exists() and pipeline.find_course(REPO / "autograder") == REPO


def test_a_gradebook_that_cannot_be_prepared_stops_before_any_submission(tmp_path, capsys):
    """The writer prepares the gradebook while the sandbox opens; if it cannot: one line, exit 2,
    no output folder, nothing left running or lying around."""
    import multiprocessing
    (tmp_path / "subs").mkdir()
    opts = GradeOptions("activations", tmp_path / "subs", course=REPO, out=tmp_path / "out",
                        db=f"sqlite:///{tmp_path}/no/such/dir/gb.db", progress=False)
    assert pipeline.grade_class(opts) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the gradebook sqlite:///") and "could not be prepared" in err, err
    assert err.count("\n") == 1 and not (tmp_path / "out").exists()
    assert not multiprocessing.active_children() and not (REPO / ".grader").exists()
