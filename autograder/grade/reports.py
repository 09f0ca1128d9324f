"""What the instructor gets besides the gradebook: a CSV, feedback pages and a class summary.

Feedback pages are written from the verdict texts only — never from the notebook — so the hidden
checks' source and inputs cannot appear in them (hidden verdicts carry no input values).

Every text that came from a submission (student ids, grade ids, messages) goes through
:func:`~autograder.grade.text.clean` before it reaches the terminal, the log or the CSV; the pages
are rendered from Jinja2 templates (``templates/*.html.j2``) with autoescape on, where every value
passes the ``clean`` filter first: no control character, escape sequence or lone surrogate is ever
written raw, no markup comes from a value, and one odd character cannot stop the writers.

``results.json`` keeps the class's last results, so ``--student X`` re-grades one student and
the CSV, the summary and the feedback links still cover the whole class.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import jinja2

from autograder.grade.model import Result, Status, Verdict
from autograder.grade.text import clean

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
_TEMPLATES.filters["clean"] = clean
_TEMPLATES.filters["num"] = lambda x: f"{x:g}"


def _write(path: Path, text):
    """Replace ``path`` atomically: a reader (formgrader, a spreadsheet) never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    tmp.replace(path)


def _csv_cell(text):
    """A text cell for spreadsheets/LMSs: cleaned, and never read as a formula."""
    text = clean(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# ---------------------------------------------------------------------------- class record
def save_results(path: Path, results, info):
    rows = [{"student": r.student, "status": r.status, "reason": r.reason, "notes": r.notes,
             "seconds": r.seconds, "isolation": r.isolation, **info.get(r.student, {}),
             "verdicts": {nb: {g: [v.passed, v.text] for g, v in vs.items()} for nb, vs in r.verdicts.items()}}
            for r in results]
    _write(path, json.dumps(rows, indent=1, ensure_ascii=True))


def load_results(path: Path):
    """(results, info) saved by :func:`save_results`; empty when absent or unreadable."""
    try:
        rows = json.loads(path.read_text())
    except (OSError, ValueError):
        return [], {}
    results, info = [], {}
    for row in rows:
        res = Result(row["student"], status=row["status"], reason=row["reason"], notes=row["notes"],
                     seconds=row["seconds"], isolation=row["isolation"])
        res.verdicts = {nb: {g: Verdict(g, p, t) for g, (p, t) in vs.items()} for nb, vs in row["verdicts"].items()}
        results.append(res)
        info[res.student] = {k: row[k] for k in ("timestamp", "graded_at", "seed") if k in row}
    return results, info


def merge(old, old_info, new, new_info):
    """The class's results with ``new`` replacing the same students in ``old``."""
    by = {r.student: r for r in old}
    by.update({r.student: r for r in new})
    info = {**old_info, **new_info}
    return [by[s] for s in sorted(by)], {s: info.get(s, {}) for s in by}


# ---------------------------------------------------------------------------- CSV
def grade_ids(results):
    seen = {}
    for r in results:
        for vs in r.verdicts.values():
            for g in vs:
                seen.setdefault(g, None)
    return list(seen)


def totals(scores, student):
    per = scores.get(student, {})
    return sum((s or 0.0) for s, _ in per.values()), sum((m or 0.0) for _, m in per.values())


def write_csv(path: Path, assignment, results, scores, info=None):
    """One row per student; one column per graded cell (scores as in the gradebook)."""
    info = info or {}
    gids = grade_ids(results)
    f = io.StringIO(newline="")
    w = csv.writer(f)
    w.writerow(["student_id", "assignment", "status", "score", "max_score", "timestamp", "isolation",
                "seconds", "reason", *[clean(g) for g in gids]])
    for r in results:
        per = scores.get(r.student, {})
        score, total = totals(scores, r.student)
        w.writerow([_csv_cell(r.student), clean(assignment), r.status, f"{score:g}", f"{total:g}",
                    clean(info.get(r.student, {}).get("timestamp") or ""), clean(r.isolation),
                    f"{r.seconds:.2f}", _csv_cell("; ".join(filter(None, [r.reason, *r.notes]))),
                    *[f"{(per.get(g, (0.0, 0.0))[0] or 0.0):g}" for g in gids]])
    _write(path, f.getvalue())


# ---------------------------------------------------------------------------- pages
def status_text(res):
    """What the status means, in words: a submission whose only problem was edited locked cells
    was graded normally after restoring them."""
    if res.status == Status.TAMPERED:
        return "graded — locked cells were restored"
    if res.status == Status.FLAGGED:
        return "graded — needs a look"
    return str(res.status)


def write_feedback(path: Path, assignment, res, scores, info=None):
    info = info or {}
    score, maximum = totals(scores, res.student)
    path.write_text(_TEMPLATES.get_template("feedback.html.j2").render(
        assignment=assignment, res=res, score=score, maximum=maximum, per=scores.get(res.student, {}),
        submitted=_when(info.get("timestamp") or "unknown"), graded_at=info.get("graded_at", ""),
        status=status_text(res)), encoding="utf-8")


def feedback_name(student):
    return f"{student}.html"


def pass_rates(results):
    """[(grade_id, rate)] sorted from the lowest pass rate (what the class found hardest) up."""
    gids = grade_ids(results)
    rates = {g: sum(1 for r in results for vs in r.verdicts.values() if g in vs and vs[g].passed)
             / max(1, len(results)) for g in gids}
    return sorted(rates.items(), key=lambda kv: (kv[1], kv[0]))


def _histogram(results, scores):
    """Geometry of the score distribution chart (numbers as the SVG shows them)."""
    tot = [totals(scores, r.student)[0] for r in results]
    maximum = max((totals(scores, r.student)[1] for r in results), default=0)
    if maximum <= 40:                                        # one bar per whole score
        nbins, width = int(maximum) + 1, 1.0
        index = lambda t: min(nbins - 1, int(round(t)))      # noqa: E731
    else:                                                    # 20 equal bins
        nbins, width = 20, maximum / 20
        index = lambda t: min(nbins - 1, int(t // width))    # noqa: E731
    counts = [0] * nbins
    for t in tot:
        counts[max(0, index(t))] += 1
    W, H, left, top, bottom = 520, 300, 44, 28, 44
    plot_w, plot_h, peak = W - left - 12, H - top - bottom, max(counts + [1])
    bw = plot_w / nbins
    bars = []
    for i, c in enumerate(counts):
        h, x = plot_h * c / peak, left + i * bw
        bars.append({"count": c, "low": i * width, "x": f"{x + 1:.1f}", "y": f"{top + plot_h - h:.1f}",
                     "w": f"{max(bw - 2, 1):.1f}", "h": f"{h:.1f}", "mid": f"{x + bw / 2:.1f}",
                     "top": f"{top + plot_h - h - 3:.1f}",
                     "label": nbins <= 20 or i % max(1, nbins // 10) == 0})
    return {"width": W, "height": H, "left": left, "right": left + plot_w, "base": top + plot_h,
            "center": left + plot_w / 2, "maximum": maximum, "bars": bars,
            "alt": "Histogram of total scores: " + ", ".join(f"{t:g}" for t in sorted(tot)) + "."}


def _rate_bars(results):
    """Geometry of the pass-rate chart, hardest check first."""
    rates = pass_rates(results)
    row, left, top = 22, 190, 28
    rows = [{"gid": gid, "y": top + y * row, "w": f"{3 * 100 * r:.1f}", "hue": int(120 * r),   # red … green
             "label_x": f"{left + 3 * 100 * r + 4:.1f}", "percent": f"{100 * r:.0f}"}
            for y, (gid, r) in enumerate(rates)]
    return {"width": 520, "height": top + row * len(rates) + 30, "row": row, "left": left, "rows": rows,
            "alt": "Pass rate of each check, hardest first: "
                   + "; ".join(f"{clean(g)} {100 * v:.0f}%" for g, v in rates) + "."}


def _when(ts):
    """A submission time for people: to the second."""
    return re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", ts or "")


def write_summary(path: Path, assignment, results, scores, meta, info=None, feedback_dir="feedback"):
    info = info or {}
    counts = [(str(s), n) for s in Status if (n := sum(r.status == s for r in results))]
    rows = []
    for r in results:
        score, maximum = totals(scores, r.student)
        rows.append({"student": r.student, "link": f"{feedback_dir}/{quote(feedback_name(clean(r.student)))}",
                     "cls": "s-graded" if r.status == Status.GRADED else "s-other",
                     "status": status_text(r), "score": score, "maximum": maximum,
                     "submitted": _when(info.get(r.student, {}).get("timestamp")),
                     "reason": "; ".join(filter(None, [r.reason, *r.notes]))})
    _write(path, _TEMPLATES.get_template("summary.html.j2").render(
        assignment=assignment, results=results, counts=counts, sandbox=meta.get("sandbox", ""),
        hist=_histogram(results, scores), rates=_rate_bars(results), rows=rows,
        meta_json=json.dumps(meta, indent=2)))
