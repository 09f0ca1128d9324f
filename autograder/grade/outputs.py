"""What the instructor gets besides the gradebook: a CSV, feedback pages and a class summary.

Feedback pages are written from the verdict texts only — never from the notebook — so the hidden
checks' source and inputs cannot appear in them (hidden verdicts carry no input values).
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from autograder.grade.batch import STATUSES


def write_csv(path: Path, assignment, results, scores):
    gids = sorted({g for r in results for v in r.verdicts.values() for g in v})
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "assignment", "status", "score", "max_score", "isolation",
                    "seconds", "reason", *gids])
        for r in results:
            per = scores.get(r.student, {})
            score = sum((per.get(g, (0.0, 0.0))[0] or 0.0) for g in gids)
            total = sum(per.get(g, (0.0, 0.0))[1] for g in gids)
            w.writerow([r.student, assignment, r.status, f"{score:g}", f"{total:g}", r.isolation,
                        f"{r.seconds:.2f}", "; ".join(filter(None, [r.reason, *r.notes])),
                        *[f"{(per.get(g, (0.0, 0.0))[0] or 0.0):g}" for g in gids]])


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f6f8fa;padding:.75rem;border-radius:6px;white-space:pre-wrap}
.pass{color:#1a7f37}.fail{color:#cf222e}table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}"""


def write_feedback(path: Path, assignment, res, scores):
    per = scores.get(res.student, {})
    total = sum((s or 0.0) for s, _ in per.values())
    maximum = sum(m for _, m in per.values())
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)} — feedback</title>",
             f"<style>{_CSS}</style><h1>{html.escape(assignment)}: {total:g} / {maximum:g}</h1>",
             f"<p>Status: <b>{html.escape(res.status)}</b>"
             + (f" — {html.escape(res.reason)}" if res.reason else "") + "</p>"]
    for note in res.notes:
        parts.append(f"<p>Note: {html.escape(note)}</p>")
    for nb_name, verdicts in res.verdicts.items():
        parts.append(f"<h2>{html.escape(nb_name)}</h2>")
        for gid, v in verdicts.items():
            score, mx = per.get(gid, (0.0, 0.0))
            cls = "pass" if v.passed else "fail"
            parts.append(f"<h3 class='{cls}'>{html.escape(gid)}: {(score or 0):g} / {mx:g}</h3>"
                         f"<pre>{html.escape(v.text)}</pre>")
    path.write_text("\n".join(parts))


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def write_summary(path: Path, assignment, results, scores, meta):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gids = sorted({g for r in results for v in r.verdicts.values() for g in v})
    totals = [sum((s or 0.0) for s, _ in scores.get(r.student, {}).values()) for r in results]
    maximum = max((sum(m for _, m in scores.get(r.student, {}).values()) for r in results), default=0)
    rates = [sum(1 for r in results for v in r.verdicts.values() if g in v and v[g].passed) / max(1, len(results))
             for g in gids]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    axes[0].hist(totals, bins=min(20, max(5, int(maximum) + 1)), color="#4c72b0")
    axes[0].set(title="Score distribution", xlabel=f"score (max {maximum:g})", ylabel="students")
    axes[1].barh(gids, [100 * r for r in rates], color="#55a868")
    axes[1].set(title="Pass rate per check", xlabel="% of students", xlim=(0, 100))
    fig.tight_layout()
    img = _png(fig)
    plt.close(fig)
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    rows = "".join(f"<tr><td>{html.escape(r.student)}</td><td>{html.escape(r.status)}</td>"
                   f"<td>{t:g}</td><td>{html.escape(r.reason)}</td></tr>" for r, t in zip(results, totals))
    doc = (f"<!doctype html><meta charset='utf-8'><title>{html.escape(assignment)} — class summary</title>"
           f"<style>{_CSS}</style><h1>{html.escape(assignment)}: class summary</h1>"
           f"<p>{len(results)} submissions; " + ", ".join(f"{k}: {v}" for k, v in counts.items() if v)
           + f". Sandbox: {html.escape(meta.get('sandbox', ''))}.</p>"
           f"<img alt='Histogram of total scores and bar chart of the pass rate of each check' "
           f"src='data:image/png;base64,{img}'>"
           f"<h2>Students</h2><table><tr><th>student</th><th>status</th><th>score</th><th>reason</th></tr>{rows}</table>"
           f"<h2>Run</h2><pre>{html.escape(json.dumps(meta, indent=2))}</pre>")
    path.write_text(doc)
