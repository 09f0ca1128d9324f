"""Recognising known mistakes in a wrong answer, so a failed check can say *why*.

``gradient_hint`` compares a wrong gradient with transformations of the correct one: the same
gradient with the sign flipped, scaled by a constant, not multiplied by the upstream gradient,
or wrong only on one side of a kink. Specs add item-specific candidates (e.g. "diagonal of the
softmax Jacobian only") as ``(candidate_array, message)`` pairs.
"""
import numpy as np

from autograder.gradcheck import max_relative_error

#: Relative error under which a wrong answer "is" a candidate mistake.
MATCH = 1e-6

INPLACE = ("your function modified its input array in place (e.g. `x[x < 0] = 0` or `x *= ...`); "
           "compute the result in a new array (`np.where`, `np.maximum`, `x * mask`, or `x.copy()`).")


def type_hint(type_name, shape):
    if type_name in ("NoneType",):
        return "the function returned None — did you forget a `return` statement?"
    if type_name in ("tuple", "list"):
        return "return a single numpy array here, not a tuple or list."
    if "float" in type_name or "int" in type_name:
        return f"return an array of shape {tuple(shape)}, not a single number."
    return ""


def dtype_hint(dtype):
    if dtype in ("float32", "float16"):
        return ("work in float64: don't cast to float32 — gradient checks need double precision "
                "(float32 rounding alone gives relative errors around 1e-3).")
    if dtype == "bool":
        return "you returned a boolean mask; convert it with `.astype(np.float64)`."
    if dtype and dtype.startswith(("int", "uint")):
        return "you returned integers; make sure the computation is done in float64."
    return ""


def shape_hint(got, expected):
    """One sentence on a result of shape ``got`` where ``expected`` was asked for (a forward's
    output or a gradient: only the shapes are known here)."""
    got, expected = tuple(got), tuple(expected)
    if len(got) == len(expected) == 2 and got == expected[::-1]:
        return "the shape is transposed — check the order of a matrix product or a missing `.T`."
    if len(got) == len(expected) + 1 and got[1:] == expected:
        return ("one result per example: a gradient of a parameter has the parameter's shape — sum "
                "the per-example contributions over the batch (e.g. `.sum(axis=0)`).")
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return "the axes are in another order — check `.T`, `transpose` or the order of `reshape`."
    if len(got) == len(expected):
        return ("an axis has the wrong length — compare each one with the formula in the "
                "instructions (padding, stride, a sum over the wrong axis, or a broadcast by accident).")
    return ("the number of axes differs — check which axis you reduced over (`keepdims`?) and "
            "whether the result broadcasts by accident.")


def _matches(a, b, significant):
    return significant.any() and max_relative_error(a[significant], b[significant]) < MATCH


def gradient_hint(yours, numerical, dout=None, x=None, bad=None, candidates=()):
    """A one-sentence hint for a wrong gradient ``yours`` (the correct one is ``numerical``)."""
    yours = np.asarray(yours, dtype=np.float64)
    num = np.asarray(numerical, dtype=np.float64)
    if not np.all(np.isfinite(yours)):
        where = ""
        if x is not None:
            nonfinite = ~np.isfinite(yours)
            if np.any(x[nonfinite] == 0):
                where = " at x = 0 (the kink): pick a finite value there, such as the left or right slope"
            elif np.all(np.abs(x[nonfinite]) > 50):
                where = " for large |x|: an intermediate overflowed (e.g. exp of a large number)"
        return f"your gradient contains NaN or inf{where}."
    for cand, message in candidates:
        if _matches(yours, np.asarray(cand, dtype=np.float64), np.ones(yours.shape, bool)):
            return message
    scale = max(1.0, float(np.abs(num).max(initial=0.0)))
    significant = np.abs(num) > 1e-3 * scale
    if _matches(yours, -num, significant):
        return "your gradient has the opposite sign of the true one everywhere: check the sign of your derivative."
    if significant.any():
        ratio = np.median(yours[significant] / num[significant])
        if np.isfinite(ratio) and abs(ratio - 1) > 1e-3 and abs(ratio) > 1e-12 \
                and _matches(yours, ratio * num, significant):
            return (f"your gradient is the true one times {ratio:.4g} everywhere: "
                    "a constant factor is missing or extra.")
    if dout is not None:
        dout = np.asarray(dout, dtype=np.float64)
        if dout.shape == num.shape and np.all(dout != 0):
            local = num / dout
            if _matches(yours, local, np.abs(local) > 1e-3 * max(1.0, np.abs(local).max())):
                return ("you returned the local derivative f'(x) only: multiply it by the upstream "
                        "gradient `dout` (chain rule).")
    if np.allclose(yours, 0):
        return "your gradient is zero everywhere."
    if x is not None and bad is not None and x.shape == bad.shape and bad.any():
        if np.all(x[bad] < 0) and not np.all(x < 0):
            return "correct for x > 0 but wrong for x < 0: check the negative branch of your derivative."
        if np.all(x[bad] > 0) and not np.all(x > 0):
            return "correct for x < 0 but wrong for x > 0: check the positive branch of your derivative."
    return ""
