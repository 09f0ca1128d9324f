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


# ------------------------------------------------------------------ exercise bundles
#: Lines of an assignment's solution that its bundle's check modules share with it. They are
#: the modules the released exercise imports inside the repository too (the forward
#: definitions the checks compare against, the course's own central-difference gradient), so
#: a bundle exposes nothing a learner with the repository does not already have. Removing
#: them needs the checks to ship expected values instead of code (autograder, not the site).
#: Any other shared line fails the test.
SHARED_WITH_CHECKS = {
    "activations": {"autograder/reference/activations.py"},
    "chain_rule": {"autograder/gradcheck.py", "autograder/reference/activations.py",
                   "autograder/specs/chain_rule.py"},
    "computation_graphs": {"autograder/specs/computation_graphs.py"},
    "learning_types": {"autograder/reference/learning_types.py", "autograder/specs/learning_types.py"},
    "two_layer_net": {"autograder/specs/two_layer_net.py"},
    "xor": {"autograder/reference/xor.py", "autograder/specs/xor.py"},
}


def _bundles_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "exercise_bundles", course.REPO / "book" / "_ext" / "exercise_bundles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("assignment", sorted(SHARED_WITH_CHECKS))
def test_bundle_contains_no_solution_or_hidden_test_line(assignment, tmp_path):
    """The "Get the exercise" zip: its notebook, README and pyproject share no line with the
    assignment's solutions or hidden tests; its check modules only the known ones above."""
    import zipfile

    bundles = _bundles_module()
    zip_path = bundles.build_bundle(assignment, tmp_path)
    texts = {}
    with zipfile.ZipFile(zip_path) as zf:
        for name in zf.namelist():
            rel = name.split("/", 1)[1]
            texts[rel] = zf.read(name).decode()
            if rel.endswith(".ipynb"):
                nb = nbformat.reads(texts[rel], as_version=4)
                texts[rel + " (cells)"] = "\n".join(c.source for c in nb.cells)
    assert f"{assignment}.ipynb" in texts and "pyproject.toml" in texts
    assert not [n for n in texts if n.startswith("autograder/grade")], sorted(texts)
    secrets = [x for x in secret_lines() if x[0] == assignment]
    shared = SHARED_WITH_CHECKS[assignment]
    leaks = _find(secrets, {n: t for n, t in texts.items() if n not in shared})
    assert not leaks
    # the shared modules are byte-identical to the ones the repository's exercise imports
    for name in shared:
        assert texts[name] == (course.REPO / name).read_text(), name
