"""What the instructor gets besides the gradebook: a CSV, feedback pages and a class summary.

Feedback pages are written from the verdict texts only — never from the notebook — so the hidden
checks' source and inputs cannot appear in them (hidden verdicts carry no input values).

Every text that came from a submission (student ids, grade ids, messages) goes through
:func:`clean` before it reaches the terminal, the log or the CSV, and through ``html.escape``
(after ``clean``) before it reaches a page: no control character, escape sequence or lone
surrogate is ever written raw, and one odd character cannot stop the writers.

``results.json`` keeps the class's last results, so ``--student X`` re-grades one student and
the CSV, the summary and the feedback links still cover the whole class.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from urllib.parse import quote
from pathlib import Path

from autograder.grade.batch import STATUSES, Result, Verdict

# C0/C1 controls, DEL, bidi overrides/isolates, zero-width and line/paragraph separators, and
# lone surrogates: shown as \xNN / \uNNNN.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def clean(text, keep_newlines=False) -> str:
    """``text`` safe for a terminal, a log line or a CSV cell."""
    text = unicodedata.normalize("NFC", str(text)) if not _has_surrogate(str(text)) else str(text)

    def esc(m):
        ch = m.group()
        if keep_newlines and ch in "\n\t":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return _UNSAFE.sub(esc, text)


def _has_surrogate(text):
    return any("\ud800" <= ch <= "\udfff" for ch in text)


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
_CSS = """body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
pre{background:#f6f8fa;padding:.75rem;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}
.pass{color:#1a7f37}.fail{color:#cf222e}table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.num,th.num{text-align:right}.meta{color:#555}.status{font-weight:600}
.s-graded{color:#1a7f37}.s-other{color:#9a6700}img{max-width:100%;height:auto}
.figs{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}.figs figure{flex:1 1 22rem;min-width:0;margin:0}.figs svg{width:100%;height:auto}
td.num{white-space:nowrap}.scroll{overflow-x:auto}"""


def _h(text):
    return html.escape(clean(text))


def status_text(res):
    """What the status means, in words: a submission whose only problem was edited locked cells
    was graded normally after restoring them."""
    if res.status == "tampered":
        return "graded — locked cells were restored"
    if res.status == "flagged":
        return "graded — needs a look"
    return res.status


def write_feedback(path: Path, assignment, res, scores, info=None):
    info = info or {}
    score, maximum = totals(scores, res.student)
    per = scores.get(res.student, {})
    when = info.get("timestamp") or "unknown"
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{_h(assignment)} — feedback for {_h(res.student)}</title><style>{_CSS}</style>",
             f"<h1>{_h(assignment)}: {score:g} / {maximum:g}</h1>",
             f"<p class='meta'>Student <b>{_h(res.student)}</b> · assignment <b>{_h(assignment)}</b> · "
             f"submitted {_h(_when(when))} · graded {_h(info.get('graded_at', ''))}</p>",
             f"<p>Status: <span class='status'>{_h(status_text(res))}</span>"
             + (f" — {_h(res.reason)}" if res.reason else "") + "</p>"]
    for note in res.notes:
        parts.append(f"<p>Note: {_h(note)}</p>")
    for nb_name, verdicts in res.verdicts.items():
        parts.append(f"<h2>{_h(nb_name)}</h2>")
        for gid, v in verdicts.items():
            s, mx = per.get(gid, (0.0, 0.0))
            cls = "pass" if v.passed else "fail"
            parts.append(f"<h3 class='{cls}'>{'✔' if v.passed else '✘'} {_h(gid)}: {(s or 0):g} / {(mx or 0):g}</h3>"
                         f"<pre>{html.escape(clean(v.text, keep_newlines=True))}</pre>")
    path.write_text("\n".join(parts), encoding="utf-8")


def feedback_name(student):
    return f"{student}.html"


def pass_rates(results):
    """[(grade_id, rate)] sorted from the lowest pass rate (what the class found hardest) up."""
    gids = grade_ids(results)
    rates = {g: sum(1 for r in results for vs in r.verdicts.values() if g in vs and vs[g].passed)
             / max(1, len(results)) for g in gids}
    return sorted(rates.items(), key=lambda kv: (kv[1], kv[0]))


def _svg(width, height, title, body):
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
            f"font-family='sans-serif' font-size='12'>"
            f"<text x='{width / 2:g}' y='16' text-anchor='middle' font-size='14'>{_h(title)}</text>{body}</svg>")


def _figures(results, scores):
    """Two inline SVG charts: the score distribution and the pass rate per check. Drawn as text
    (no plotting library: matplotlib cost every grader run ~0.7 s of CPU for these two)."""
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
    body = [f"<line x1='{left}' y1='{top + plot_h}' x2='{left + plot_w}' y2='{top + plot_h}' stroke='#333'/>"]
    for i, c in enumerate(counts):
        h = plot_h * c / peak
        x = left + i * bw
        lo = i * width
        body.append(f"<rect x='{x + 1:.1f}' y='{top + plot_h - h:.1f}' width='{max(bw - 2, 1):.1f}' height='{h:.1f}' "
                    f"fill='#4c72b0'><title>{c} student{'s' if c != 1 else ''} scored {lo:g}</title></rect>")
        if nbins <= 20 or i % max(1, nbins // 10) == 0:
            body.append(f"<text x='{x + bw / 2:.1f}' y='{top + plot_h + 14}' text-anchor='middle'>{lo:g}</text>")
        if c:
            body.append(f"<text x='{x + bw / 2:.1f}' y='{top + plot_h - h - 3:.1f}' text-anchor='middle' "
                        f"font-size='10'>{c}</text>")
    body.append(f"<text x='{left + plot_w / 2:g}' y='{H - 8}' text-anchor='middle'>total score (max {maximum:g}); "
                f"bar height: students</text>")
    hist = _svg(W, H, "Score distribution", "".join(body))

    rates = pass_rates(results)
    row, left = 22, 190
    H = top + row * len(rates) + 30
    body = []
    for y, (gid, r) in enumerate(rates):
        hue = int(120 * r)                                   # red (hard) … green (easy)
        yy = top + y * row
        body.append(f"<text x='{left - 6}' y='{yy + 15}' text-anchor='end'>{_h(clean(gid)[:28])}</text>"
                    f"<rect x='{left}' y='{yy + 3}' width='{3 * 100 * r:.1f}' height='{row - 6}' "
                    f"fill='hsl({hue},60%,50%)' stroke='#555' stroke-width='0.5'/>"
                    f"<text x='{left + 3 * 100 * r + 4:.1f}' y='{yy + 15}'>{100 * r:.0f}%</text>")
    body.append(f"<text x='{left + 150}' y='{H - 8}' text-anchor='middle'>% of students who passed</text>")
    bars = _svg(W, H, "Pass rate per check (hardest first)", "".join(body))
    return hist, bars


def _when(ts):
    """A submission time for people: to the second."""
    return re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", ts or "")


def write_summary(path: Path, assignment, results, scores, meta, info=None, feedback_dir="feedback"):
    info = info or {}
    hist, bars = _figures(results, scores)
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    rows = []
    for r in results:
        score, maximum = totals(scores, r.student)
        cls = "s-graded" if r.status == "graded" else "s-other"
        link = f"{feedback_dir}/{quote(feedback_name(clean(r.student)))}"
        rows.append(f"<tr><td><a href='{html.escape(link, quote=True)}'>{_h(r.student)}</a></td>"
                    f"<td class='{cls}'>{_h(status_text(r))}</td><td class='num'>{score:g} / {maximum:g}</td>"
                    f"<td>{_h(_when(info.get(r.student, {}).get('timestamp')))}</td>"
                    f"<td>{_h('; '.join(filter(None, [r.reason, *r.notes])))}</td></tr>")
    rates = pass_rates(results)
    tot = sorted(totals(scores, r.student)[0] for r in results)
    alt_hist = "Histogram of total scores: " + ", ".join(f"{t:g}" for t in tot) + "."
    alt_bars = ("Pass rate of each check, hardest first: "
                + "; ".join(f"{clean(g)} {100 * v:.0f}%" for g, v in rates) + ".")
    doc = (f"<!doctype html><html lang='en'><meta charset='utf-8'>"
           f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
           f"<title>{_h(assignment)} — class summary</title><style>{_CSS}</style>"
           f"<h1>{_h(assignment)}: class summary</h1>"
           f"<p>{len(results)} submissions; " + ", ".join(f"{k}: {v}" for k, v in counts.items() if v)
           + f". Sandbox: {_h(meta.get('sandbox', ''))}.</p>"
           f"<div class='figs'><figure role='img' aria-label='{html.escape(alt_hist, quote=True)}'>{hist}</figure>"
           f"<figure role='img' aria-label='{html.escape(alt_bars, quote=True)}'>{bars}</figure></div>"
           f"<h2>Students</h2><div class='scroll'><table><tr><th>student (feedback)</th><th>status</th><th class='num'>score</th>"
           f"<th>submitted</th><th>reason</th></tr>{''.join(rows)}</table></div>"
           f"<h2>Last run</h2><pre>{html.escape(clean(json.dumps(meta, indent=2), keep_newlines=True))}</pre>")
    _write(path, doc)
