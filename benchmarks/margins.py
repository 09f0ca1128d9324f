"""Error margins of every check: the worst relative error a correct solution shows over many
hidden seeds, and the best (smallest) error a mutant shows on the check that catches it.

    .venv/bin/python benchmarks/margins.py [assignment ...] [--seeds N]
    .venv/bin/python benchmarks/margins.py --directional [--seeds N]

``--directional``: for the large layer-norm input that is checked along random directions
(``autograder/specs/normalization.py``), the rounding noise of the central difference along a
direction, the spread ‖g‖ of the derivatives themselves, and from both the chance that a correct
gradient fails because every direction's derivative happens to be near 0.
"""
import argparse
import importlib
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import course  # noqa: E402

from autograder import exercises  # noqa: E402
from autograder.checks import load_spec  # noqa: E402


def errors(report):
    """label -> (largest error over the cases, tolerance, all passed)."""
    out = {}
    for o in report.outcomes:
        if o.error is not None:
            err, _, ok = out.get(o.label, (0.0, o.tol, True))
            out[o.label] = (max(err, o.error), o.tol, ok and o.passed)
    return out


def _directional_cases():
    """name -> (old number of directions, unit length?, draw(seed) -> (f, x, dout, true gradient))."""
    import numpy as np
    from autograder.reference import activations as ra, normalization as rn, two_layer_net as rt
    from autograder.specs import activations as sa, normalization as sn, two_layer_net as st
    ln = course.solution_namespace("normalization")["LayerNorm"]

    def layernorm(seed):
        c = sn._ln_case(np.random.default_rng([seed, 7]), (50, 40, 100))
        layer = ln(100, eps=float(c["eps"]))
        layer.s, layer.b = c["s"].copy(), c["b"].copy()
        layer.forward(c["x"].copy())
        return (lambda v: rn.layernorm(v, c["s"], c["b"], float(c["eps"])), c["x"], c["dout"],
                layer.backward(c["dout"].copy()))

    def affine(shape, wrt):
        def draw(seed):
            rng = np.random.default_rng([seed, 3])
            n, d, m = shape
            x, W, b, dout = rng.standard_normal((n, d)) * 2, rng.standard_normal((d, m)), \
                rng.standard_normal(m), rng.standard_normal((n, m))
            if wrt == "x":
                return lambda v: rt.affine(v, W, b), x, dout, dout @ W.T
            return lambda v: rt.affine(x, v, b), W, dout, x.T @ dout
        return draw

    def softmax(seed):
        rng = np.random.default_rng([seed, 5])
        x, dout = rng.standard_normal(sa.SOFTMAX_WIDE) * 3, rng.standard_normal(sa.SOFTMAX_WIDE)
        s = ra.softmax(x)
        return ra.softmax, x, dout, s * (dout - np.sum(dout * s, axis=1, keepdims=True))
    return {"layer norm dx (50, 40, 100)": (3, True, layernorm),
            "affine dx (1000, 100, 100)": (3, False, affine(st.BIG_AFFINE, "x")),
            "affine dW (1000, 100, 100)": (3, False, affine(st.BIG_AFFINE, "W")),
            "affine dx (64, 10000, 64)": (3, False, affine(st.WIDE_AFFINE, "x")),
            "affine dW (64, 10000, 64)": (3, False, affine(st.WIDE_AFFINE, "W")),
            f"softmax dx {sa.SOFTMAX_WIDE}": (2, False, softmax)}


def directional(seeds):
    """Per large check: the rounding noise of a central difference along a direction, the spread
    ‖g‖ of the derivatives, and the chance a correct gradient fails — entry i fails when
    |e_i| > TOL·max(|a_i| + |b_i|, 1e-3·max(1, M)), M = max |b_i| (gradcheck.relative_error) —
    simulated (10^6 checks) and bounded by K·P(|e| > TOL·1e-3·max(1, M))."""
    import numpy as np
    from scipy.stats import norm
    from autograder.gradcheck import DIRECTIONS, directional_derivatives, random_directions
    tol, rng, m = 1e-5, np.random.default_rng(0), np.linspace(0, 1e5, 10**6)[1:]
    print(f"{'check':28s} {'noise sd':>9s} {'‖g‖':>8s}  {'before (K, sim / bound)':>26s}  "
          f"{f'after (K = {DIRECTIONS}, bound)':>22s}")
    for name, (old_k, unit, draw) in _directional_cases().items():
        noise, values = [], []
        for seed in range(seeds):
            f, x, dout, g = draw(seed)
            dirs = random_directions(x.shape)
            noise += list(np.array([np.sum(g * v) for v in dirs]) - directional_derivatives(f, x.copy(), dout, dirs))
            values += list(np.array([np.sum(g * v) for v in dirs]))
        sd_e, sd_g = float(np.std(noise)), float(np.std(values))
        results = []
        for k, scale in ((old_k, sd_g / np.sqrt(x.size) if unit else sd_g), (DIRECTIONS, sd_g)):
            b = rng.normal(0, scale, (10**6, k))
            a = b + rng.normal(0, sd_e, b.shape)
            floor = 1e-3 * np.maximum(1, np.abs(b).max(axis=1, keepdims=True))
            sim = float(np.mean((np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)).max(axis=1) > tol))
            cdf = (2 * norm.cdf(m / scale) - 1) ** k
            tail = 2 * norm.sf(tol * 1e-3 * np.maximum(1, m) / sd_e)
            results.append((k, sim, min(1.0, k * float(cdf[0] * tail[0] + np.sum(np.diff(cdf) * tail[1:])))))
        (k0, sim0, b0), (_, _, b1) = results
        before = f"{k0}{' unit' if unit else ''}: {sim0:.1e} / {b0:.0e}"
        print(f"{name:28s} {sd_e:9.1e} {sd_g:8.3g}  {before:>26s}  {b1:22.0e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("assignments", nargs="*")
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--directional", action="store_true")
    args = ap.parse_args()
    if args.directional:
        return directional(args.seeds)
    names = args.assignments or exercises.names()
    for assignment in names:
        spec = load_spec(assignment)
        mutants = importlib.import_module(f"mutants.{assignment}")
        worst = defaultdict(float)
        tol = {}
        ns = course.solution_namespace(assignment)
        for item in spec.ITEMS:
            for seed in range(args.seeds):
                for label, (err, t, _) in errors(course.check_report(ns, assignment, item, seed)).items():
                    worst[(item, label)] = max(worst[(item, label)], err)
                    tol[(item, label)] = t
        best = {}          # check label -> (smallest decisive error over seeds, mutant)
        caught = 0
        for name, (item, code, *_) in mutants.MUTANTS.items():
            mns = course.mutant_namespace(assignment, code)
            failed_every_seed = True
            for seed in range(max(3, args.seeds // 10)):
                report = course.check_report(mns, assignment, item, seed)
                failed_every_seed &= not report.passed
                # the check that decides: the failed one furthest past its tolerance; a failed
                # type/shape/dtype check (no error value) decides outright and is not a margin
                failing = [o for o in report.outcomes if not o.passed]
                if not failing or any(o.error is None for o in failing):
                    continue
                decisive = max(failing, key=lambda o: o.error / o.tol)
                key = (item, decisive.label)
                if decisive.error < best.get(key, (float("inf"), ""))[0]:
                    best[key] = (decisive.error, name)
            caught += failed_every_seed
        print(f"\n== {assignment}: {len(mutants.MUTANTS)} mutants, {caught} caught on every seed "
              f"({args.seeds} seeds for the solution)")
        print(f"{'item':18s} {'check':58s} {'worst correct':>13s} {'tolerance':>9s} {'best mutant':>11s}")
        for key in sorted(worst):
            b = best.get(key)
            print(f"{key[0]:18s} {key[1][:58]:58s} {worst[key]:13.1e} {tol[key]:9.0e} "
                  f"{(f'{b[0]:.1e}' if b else '—'):>11s}")


if __name__ == "__main__":
    main()
