"""autograder.grade.reports: pages rendered from the Jinja2 templates with autoescape."""
import csv
import json

from autograder.grade import reports
from autograder.grade.model import Result, Status, Verdict

A = "activations"


def _class():
    bad = Result("eve<script>", status=Status.TAMPERED, reason="cell 'x' <b>edited</b>", notes=["n & m"])
    bad.verdicts = {"a.ipynb": {"test_relu": Verdict("test_relu", False, "relu: <img src=x onerror=alert(1)>\nline 2"),
                                "test_sig": Verdict("test_sig", True, "sigmoid ok")}}
    good = Result("alice")
    good.verdicts = {"a.ipynb": {"test_relu": Verdict("test_relu", True, "ok"),
                                 "test_sig": Verdict("test_sig", True, "ok")}}
    scores = {"eve<script>": {"test_relu": (0.0, 2.0), "test_sig": (1.0, 1.0)},
              "alice": {"test_relu": (2.0, 2.0), "test_sig": (1.0, 1.0)}}
    info = {"alice": {"timestamp": "2026-12-01 10:00:00.123 UTC", "graded_at": "now"}, "eve<script>": {}}
    return [good, bad], scores, info


def test_feedback_page_escapes_every_value(tmp_path):
    results, scores, info = _class()
    page = tmp_path / "f.html"
    reports.write_feedback(page, A, results[1], scores, info["eve<script>"])
    html = page.read_text()
    assert "<script>" not in html and "<img" not in html and "<b>edited" not in html
    assert "eve&lt;script&gt;" in html and "n &amp; m" in html and "&lt;img src=x" in html
    assert "graded — locked cells were restored" in html and "activations: 1 / 3" in html
    assert "✘ test_relu: 0 / 2" in html and "✔ test_sig: 1 / 1" in html and "line 2</pre>" in html


def test_summary_links_every_student_and_draws_two_charts(tmp_path):
    results, scores, info = _class()
    page = tmp_path / "s.html"
    reports.write_summary(page, A, results, scores, {"sandbox": "bwrap <x>", "seed": 1}, info)
    html = page.read_text()
    assert "href='feedback/alice.html'" in html and "href='feedback/eve%3Cscript%3E.html'" in html
    assert html.count("<svg") == 2 and html.count("<figure role='img' aria-label=") == 2
    assert "Histogram of total scores: 1, 3." in html and "test_relu 50%" in html
    assert "2 submissions; graded: 1, tampered: 1." in html and "bwrap &lt;x&gt;" in html
    assert "<td>2026-12-01 10:00:00 UTC</td>" in html and "&#34;seed&#34;: 1" in html


def test_results_round_trip_and_merge(tmp_path):
    results, _, info = _class()
    reports.save_results(tmp_path / "r.json", results, info)
    back, back_info = reports.load_results(tmp_path / "r.json")
    assert [(r.student, r.status) for r in back] == [("alice", Status.GRADED), ("eve<script>", Status.TAMPERED)]
    assert back[1].verdicts["a.ipynb"]["test_relu"] == results[1].verdicts["a.ipynb"]["test_relu"]
    new = Result("alice", status=Status.CRASHED)
    merged, merged_info = reports.merge(back, back_info, [new], {"alice": {"seed": 2}})
    assert [r.status for r in merged] == [Status.CRASHED, Status.TAMPERED] and merged_info["alice"] == {"seed": 2}
    assert json.loads((tmp_path / "r.json").read_text())[1]["status"] == "tampered"


def test_csv_has_one_column_per_check(tmp_path):
    results, scores, info = _class()
    reports.write_csv(tmp_path / "g.csv", A, results, scores, info)
    rows = list(csv.reader(open(tmp_path / "g.csv", encoding="utf-8")))
    assert rows[0][-2:] == ["test_relu", "test_sig"] and rows[2][2:5] == ["tampered", "1", "3"]
