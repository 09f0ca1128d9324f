"""No leaks: no solution line and no hidden-test line appears in the student notebooks
(``exercises/``) or anywhere in the built book (``_build/html``)."""
import html
import re

import nbformat
import pytest

import course

REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
MIN_CHARS = 10          # shorter lines (`return x`, `else:`) are not evidence of a leak
#: Lines that only name a variable (``return grad``, ``return dx, dW``) reveal nothing.
NAMES_ONLY = re.compile(r"^(return\s+)?[\w\s,()]+$")
#: Generic lines that a solution may share with teaching code; each addition needs a reason.
GENERIC = {
    "e = np.exp(z)",                          # the book's naive-softmax demonstration
    "rng = np.random.default_rng(seed)",      # seeding, in every notebook that draws numbers
}


def secret_lines():
    """(where, line) for every non-trivial line inside a solution region or a hidden-test block."""
    out = []
    for path in sorted((course.REPO / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for kind, body in REGION.findall(cell.source):
                for line in body.splitlines():
                    line = line.strip()
                    if len(line.replace(" ", "")) >= MIN_CHARS and not line.startswith("#") \
                            and line not in GENERIC and not NAMES_ONLY.match(line):
                        out.append((path.parent.name, f"{path.relative_to(course.REPO)} ({kind.lower()})", line))
    return out


def _text_of_html(raw):
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _find(lines, texts):
    leaks = []
    for _, where, line in lines:
        for name, text in texts.items():
            if line in text:
                leaks.append(f"{where}: {line!r} appears in {name}")
    return leaks


def test_there_are_secrets_to_look_for():
    lines = secret_lines()
    assert any("hidden" in w for _, w, _ in lines) and any("solution" in w for _, w, _ in lines)


@pytest.mark.parametrize("assignment", sorted(p.name for p in (course.REPO / "solutions").iterdir() if p.is_dir()))
def test_exercises_contain_no_solution_or_hidden_test_line(assignment):
    """A student version must not contain its own assignment's solutions or hidden tests."""
    texts = {}
    for path in sorted((course.REPO / "exercises" / assignment).rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(course.REPO))] = path.read_text(errors="replace")
    assert texts, f"exercises/{assignment}/ is empty: run `make exercises`"
    for path in sorted((course.REPO / "exercises" / assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)     # decoded sources (JSON escapes quotes)
        texts[f"{path.relative_to(course.REPO)} (cells)"] = "\n".join(c.source for c in nb.cells)
    assert not _find([x for x in secret_lines() if x[0] == assignment], texts)


def test_built_book_contains_no_solution_or_hidden_test_line(built_book):
    texts = {}
    for path in sorted(built_book.html.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".ipynb", ".txt", ".md", ".js", ".json", ".py"):
            if "_static" in path.parts:
                continue
            raw = path.read_text(errors="replace")
            texts[str(path.relative_to(built_book.html))] = _text_of_html(raw) if path.suffix == ".html" else raw
    assert texts
    assert not _find(secret_lines(), texts)
