"""What a student wrote, made safe to show an instructor or a learner in a browser.

A submission's markdown cells, attachments and metadata are the student's: raw HTML in a markdown
cell (an ``<img>`` with an event handler, a ``<script>``) would run in formgrader with the
instructor's login. Two layers, one allow-list:

* :func:`sanitize_notebook` — every notebook the grader writes for nbgrader (``autograded/``):
  a markdown cell whose rendered HTML holds anything outside the allow-list is replaced by its
  source shown as text (a fenced code block, with a one-line note); attachments keep only PNG,
  JPEG and GIF images; cell and notebook metadata keep only what nbgrader and the kernel need
  (raw cells then never render as HTML).
* :func:`clean_html` — a Jinja2 filter (``dnn_clean_html``) that the course's formgrade and
  feedback templates (``autograder/templates/``) apply to every rendered markdown cell, whatever
  produced the notebook (nbgrader's own ``autograde`` included).

Inputs are nbformat notebooks / HTML strings; nothing here raises on hostile input.
"""
from __future__ import annotations

import base64
import binascii
import functools
import re
from html.parser import HTMLParser

import bleach

#: Tags a markdown cell may render to (what the course's own notebooks use, plus plain markup).
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul"})
ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href"], "img": ["src", "alt", "width", "height"],
              "td": ["align"], "th": ["align"]}
PROTOCOLS = frozenset({"http", "https", "mailto", "data", "attachment"})
#: Attachments (and data: images) that browsers never run script from.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")
MAX_ATTACHMENT_BYTES = 2 << 20
_URL_ATTRS = {"href", "src"}


def _url_ok(tag, attr, value):
    v = (value or "").strip()
    if re.search(r"[\x00-\x1f\x7f]", v):
        return False
    head = re.split(r"[/?#]", v, maxsplit=1)[0]
    if ":" not in head:
        return True                    # a relative link
    scheme = head.split(":", 1)[0].lower()
    if scheme not in PROTOCOLS:
        return False
    if scheme == "data":          # only an image, and only in an <img>
        return tag == "img" and attr == "src" and v.lower().startswith(
            tuple(f"data:{t};base64," for t in IMAGE_TYPES))
    return True


def _attr_filter(tag, name, value):
    allowed = ATTRIBUTES.get(tag, []) + ATTRIBUTES["*"]
    if name not in allowed:
        return False
    return _url_ok(tag, name, value) if name in _URL_ATTRS else True


_CLEANER = bleach.sanitizer.Cleaner(tags=TAGS, attributes=_attr_filter, protocols=PROTOCOLS,
                                    strip=True, strip_comments=True)


def clean_html(html) -> str:
    """``html`` reduced to the allow-list (tags, attributes, URL schemes); text kept, escaped.
    Never raises: on any failure the HTML is escaped as plain text."""
    try:
        return _CLEANER.clean(html.decode() if isinstance(html, bytes) else str(html))
    except Exception:
        return bleach.clean(str(html), tags=set(), strip=True)


class _Audit(HTMLParser):
    """Everything in a piece of HTML that the allow-list would change."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.problems.append(f"<{tag}>")
            return
        for name, value in attrs:
            if not _attr_filter(tag, name, value or ""):
                self.problems.append(f"<{tag} {name}=…>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in TAGS:
            self.problems.append(f"</{tag}>")

    def handle_comment(self, data):
        self.problems.append("an HTML comment")

    def handle_decl(self, decl):
        self.problems.append("a declaration")

    def handle_pi(self, data):
        self.problems.append("a processing instruction")

    def unknown_decl(self, data):
        self.problems.append("a CDATA section")


def markdown_problems(source: str, attachments=None) -> list[str]:
    """What in a markdown cell is outside the allow-list once rendered (empty: safe to render)."""
    if attachments or len(source) > _MEMO_CHARS:
        return _markdown_problems(source, attachments)
    # the same released markdown comes back in every submission: rendering and auditing it was
    # a third of the gradebook writer's time per student (``make bench``)
    return list(_known_markdown(source))


#: Markdown cells up to this size have their verdict remembered (keyed by the whole source).
_MEMO_CHARS = 20_000


@functools.lru_cache(maxsize=1024)
def _known_markdown(source: str) -> tuple[str, ...]:
    return tuple(_markdown_problems(source))


def _markdown_problems(source: str, attachments=None) -> list[str]:
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    try:               # as nbconvert's HTMLExporter renders it (attachments become data: URIs)
        html = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})
                                ).render(source)
    except Exception as exc:            # e.g. a missing attachment: formgrade would fail too
        return [f"markdown that cannot be rendered ({type(exc).__name__})"]
    audit = _Audit()
    try:
        audit.feed(html)
        audit.close()
    except Exception:
        return ["HTML that cannot be parsed"]
    if clean_html(html) != clean_html(clean_html(html)):       # bleach itself disagrees: not stable
        audit.problems.append("unstable HTML")
    return audit.problems


def _fence(source: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+|~+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{source}\n{fence}"


def safe_attachments(attachments) -> tuple[dict, list[str]]:
    """Only base64 PNG/JPEG/GIF attachments with plain names, each at most 2 MiB."""
    kept, dropped = {}, []
    if not isinstance(attachments, dict):
        return kept, (["attachments that are not a mapping"] if attachments else [])
    for name, bundle in attachments.items():
        ok = isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9._ -]{1,100}", name) and isinstance(bundle, dict)
        data = {}
        for mime, value in (bundle.items() if ok else []):
            if mime in IMAGE_TYPES and isinstance(value, str) and len(value) <= MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    continue
                data[mime] = value
        if ok and data:
            kept[name] = data
        else:
            dropped.append(str(name)[:40])
    return kept, dropped


NOTE = "*[The grader shows this cell as text: it held {what}.]*"


def sanitize_cell(cell) -> list[str]:
    """Make one cell (nbformat dict) safe to render, in place; return what was changed."""
    notes = []
    meta = cell.get("metadata", {})
    keep = {k: meta[k] for k in ("nbgrader",) if isinstance(meta, dict) and k in meta}
    cell["metadata"] = keep
    if cell.get("cell_type") != "markdown":
        cell.pop("attachments", None)
        return notes
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    kept, dropped = safe_attachments(cell.get("attachments"))
    if kept:
        cell["attachments"] = kept
    else:
        cell.pop("attachments", None)
    if dropped:
        notes.append(f"attachments dropped: {', '.join(dropped)}")
    problems = markdown_problems(source, kept)
    if problems:
        # in plain words (no markup of its own): "a href=…, img onerror=…, script"
        what = ", ".join(sorted({re.sub(r"[^A-Za-z0-9 =…()-]", "", p).strip() for p in problems} - {""}))[:200]
        cell["source"] = NOTE.format(what=what or "HTML") + "\n\n" + _fence(source)
        cell.pop("attachments", None)
        notes.append(f"markdown shown as text ({what})")
    return notes


def sanitize_notebook(nb, metadata=None) -> list[str]:
    """Every cell of ``nb`` (nbformat NotebookNode) made safe, in place; the notebook's metadata
    becomes ``metadata`` (e.g. the released notebook's) or only its kernelspec/language_info.
    Returns what was changed (one line per cell that changed)."""
    import copy
    notes = []
    for i, cell in enumerate(nb.get("cells", [])):
        notes += [f"cell {i}: {n}" for n in sanitize_cell(cell)]
    if metadata is not None:
        nb["metadata"] = copy.deepcopy(metadata)
    else:
        old = nb.get("metadata", {}) if isinstance(nb.get("metadata"), dict) else {}
        nb["metadata"] = {k: old[k] for k in ("kernelspec", "language_info") if k in old}
    return notes


# ------------------------------------------------------------------ solution regions
_REGION = re.compile(r"^[ \t]*#+[ \t]*BEGIN (SOLUTION|HIDDEN TESTS)\b.*?(^[ \t]*#+[ \t]*END \1\b[^\n]*\n?|\Z)",
                     re.M | re.S)
REGION_NOTE = "# [removed by the grader: a region marked as solution or hidden tests]\n"


def strip_solution_regions(nb) -> int:
    """Remove every ``BEGIN SOLUTION``/``BEGIN HIDDEN TESTS`` ... ``END`` region (to the end of
    the cell when it is not closed) from every cell's source, in place; how many were removed.
    A student who submitted (a copy of) the instructor's notebook never reads it back in their
    feedback."""
    count = 0
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        new, n = _REGION.subn(REGION_NOTE, source)
        if n:
            cell["source"], count = new, count + n
    return count


try:
    from nbconvert.preprocessors import Preprocessor as _Preprocessor
except ImportError:          # pragma: no cover
    _Preprocessor = object


class StripSolutionRegions(_Preprocessor):
    """nbconvert/nbgrader preprocessor form of :func:`strip_solution_regions` and the markdown
    allow-list, for ``GenerateFeedback`` (configured in ``autograder/nbgrader_config.py``)."""

    def preprocess(self, nb, resources):
        strip_solution_regions(nb)
        for cell in nb.cells:
            if cell.get("cell_type") == "markdown":
                sanitize_cell(cell)
        return nb, resources
