"""What a student wrote, shown to the instructor or a learner, never runs (issue 21, §1): the HTML
allow-list (``autograder/sanitize.py``), the notebooks the grader writes for nbgrader, and the
course's formgrade/feedback templates as nbgrader's own exporter renders them with the course's
configuration. Each attack has its honest control next to it. The browser journey is
``test_formgrader_hostile.py``."""
from __future__ import annotations

import base64

import nbformat
import pytest

from autograder.sanitize import clean_html, markdown_problems, sanitize_notebook

ATTACKS = {
    "img onerror": '<img src=x onerror="document.title=1">',
    "script": "<script>document.title=1</script>",
    "svg onload": "<svg onload=alert(1)></svg>",
    "javascript link": "[x](javascript:alert(1))",
    "iframe": '<iframe src="/api/contents"></iframe>',
    "style tag": "<style>body{display:none}</style>",
    "form": '<form action="/api/kernels" method=post><button>go</button></form>',
    "data html link": '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "object": '<object data="x.swf"></object>',
    "comment trick": "<!--><img src=x onerror=alert(1)>-->",
    "missing attachment": "![x](attachment:nothere.png)",
}
HONEST = ["Plain *markdown* with `code`, a < b and $x^2$.",
          "<details><summary>Hint</summary>Use **np.where**.</details>",
          "| a | b |\n|---|---|\n| 1 | 2 |",
          "[docs](https://numpy.org) and:\n\n```\n<script>in a code block</script>\n```"]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_markdown_is_flagged_and_shown_as_text(name):
    assert markdown_problems(ATTACKS[name])
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(ATTACKS[name]))
    notes = sanitize_notebook(nb)
    assert notes and "shown as text" in notes[0]
    src = nb.cells[0].source
    assert ATTACKS[name] in src and src.rstrip().endswith("```")      # inside a fenced block
    assert not markdown_problems(src)


@pytest.mark.parametrize("text", HONEST)
def test_honest_markdown_is_kept(text):
    assert markdown_problems(text) == []
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    assert sanitize_notebook(nb) == [] and nb.cells[0].source == text


def test_clean_html_keeps_markup_and_drops_script():
    out = clean_html('<p><b>ok</b><img src="x" onerror="e()"><a href="javascript:x">l</a>'
                     '<script>s()</script><img src="data:image/svg+xml;base64,PHN2Zz4=">'
                     '<img src="data:image/png;base64,iVBORw0KGgo="></p>')
    assert "<b>ok</b>" in out and "onerror" not in out and "javascript" not in out
    assert "<script" not in out and "svg" not in out and "data:image/png" in out


def test_attachments_metadata_and_raw_cells():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 20).decode()
    cell = nbformat.v4.new_markdown_cell("![p](attachment:p.png) ![s](attachment:s.svg)")
    cell.attachments = {"p.png": {"image/png": png},
                        "s.svg": {"image/svg+xml": "<svg onload=alert(1)></svg>"},
                        "h.html": {"text/html": "<script>x()</script>"}}
    cell.metadata = {"tags": ['"><script>'], "nbgrader": {"grade": False}}
    raw = nbformat.v4.new_raw_cell("<script>x()</script>", metadata={"raw_mimetype": "text/html"})
    nb = nbformat.v4.new_notebook(cells=[cell, raw], metadata={"widgets": {"x": "<script>"},
                                                               "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    notes = sanitize_notebook(nb)
    assert any("attachments dropped" in n for n in notes)
    assert "attachments" not in nb.cells[0]         # it referenced a dropped one: shown as text
    assert nb.cells[0].metadata == {"nbgrader": {"grade": False}}
    assert nb.cells[1].metadata == {} and nb.metadata == {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    ok = nbformat.v4.new_markdown_cell("![p](attachment:p.png)")       # honest control
    ok.attachments = {"p.png": {"image/png": png}}
    nb = nbformat.v4.new_notebook(cells=[ok])
    assert sanitize_notebook(nb) == [] and nb.cells[0].attachments == {"p.png": {"image/png": png}}


@pytest.fixture(scope="module")
def course_config(repo_root):
    """The configuration formgrader and ``generate_feedback`` load in the course folder."""
    import os
    from nbgrader.apps import NbGrader
    old = os.getcwd()
    os.chdir(repo_root)
    try:
        app = NbGrader()
        app.load_cwd_config = True
        app.load_config_file()
        return app.config
    finally:
        os.chdir(old)


@pytest.mark.parametrize("template", ["formgrade", "feedback"])
def test_course_templates_render_student_html_inert(course_config, template):
    """nbgrader's own exporter with the course configuration (as formgrader and
    ``generate_feedback`` build it): an unsanitised notebook (as ``nbgrader autograde`` leaves
    it) renders without the event handler or the script; honest markdown still renders."""
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config
    cfg = Config()
    cfg.HTMLExporter.template_name = template          # what nbgrader sets before the course's file
    cfg.merge(course_config)
    if template == "feedback":                         # what GenerateFeedback adds after it
        import os

        import nbgrader
        cfg.HTMLExporter.extra_template_paths = [os.path.join(
            os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "static",
            "node_modules", "bootstrap", "dist", "css")]
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell('<img src=x onerror="document.title=1"><script>evil()</script>'),
        nbformat.v4.new_markdown_cell("Honest **bold** text."),
        nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<img src=y onerror=alert(2)>", "text/plain": "x"})])])
    resources = {"base_url": "", "submission_id": "s", "notebook_id": "n", "assignment_id": "a",
                 "index": 0, "total": 1,
                 "nbgrader": {"score": 1, "max_score": 2, "notebook": "n", "late_penalty": 0}}
    html, _ = HTMLExporter(config=cfg).from_notebook_node(nb, resources=resources)
    import re
    assert not re.search(r"<[^>]*\bonerror", html) and "<script>evil" not in html
    assert "<strong>bold</strong>" in html
