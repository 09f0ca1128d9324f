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


def directional(seeds):
    import numpy as np
    from scipy.stats import norm
    from autograder.gradcheck import directional_derivatives, random_directions
    from autograder.reference import normalization as ref
    from autograder.specs import normalization as spec
    ns = course.solution_namespace("normalization")
    shape = (50, 40, 100)
    dirs = random_directions(shape, spec.DIRECTIONS)
    noise, values = [], []
    for seed in range(seeds):
        c = spec._ln_case(np.random.default_rng([seed, 7]), shape)
        layer = ns["LayerNorm"](shape[-1], eps=float(c["eps"]))
        layer.s, layer.b = c["s"].copy(), c["b"].copy()
        layer.forward(c["x"].copy())
        dx = layer.backward(c["dout"].copy())
        num = directional_derivatives(lambda v: ref.layernorm(v, c["s"], c["b"], float(c["eps"])),
                                      c["x"].copy(), c["dout"], dirs)
        noise += list(np.array([np.sum(dx * v) for v in dirs]) - num)
        values += list(num)
    sd_e, sd_g = float(np.std(noise)), float(np.std(values))
    print(f"layer norm {shape}, {seeds} seeds × {len(dirs)} directions: noise sd {sd_e:.2g}, "
          f"derivative sd ‖g‖ {sd_g:.3g}")
    # entry i fails when |e_i| > TOL·max(|a_i| + |b_i|, 1e-3·max(1, M)), M = max_i |b_i|
    # (gradcheck.relative_error): simulated, and bounded by K·P(|e| > TOL·1e-3·max(1, M))
    rng = np.random.default_rng(0)
    m = np.linspace(0, 60, 60001)[1:]
    for k, scale in ((3, sd_g / np.sqrt(np.prod(shape))), (3, sd_g), (spec.DIRECTIONS, sd_g)):
        b = rng.normal(0, scale, (10**6, k))
        a = b + rng.normal(0, sd_e, b.shape)
        floor = 1e-3 * np.maximum(1, np.abs(b).max(axis=1, keepdims=True))
        simulated = float(np.mean((np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)).max(axis=1)
                                  > spec.TOL_GRAD))
        cdf = (2 * norm.cdf(m / scale) - 1) ** k
        tail = 2 * norm.sf(spec.TOL_GRAD * 1e-3 * np.maximum(1, m) / sd_e)
        bound = k * float(cdf[0] * tail[0] + np.sum(np.diff(cdf) * tail[1:]))
        print(f"  {k:2d} directions, derivatives of sd {scale:.3g}: a correct gradient fails in "
              f"{simulated:.1e} of 10^6 simulated checks; bound {min(bound, 1.0):.1g}")


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
