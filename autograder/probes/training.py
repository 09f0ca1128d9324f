"""Probes of the training exercise: the code that calls the learner's functions (untrusted side).

Each probe gets one case (a dict of float64 arrays drawn by ``autograder.specs.training``) and
keeps what the learner's functions return as plain data; ``specs/training.py`` judges it. Only
NumPy is imported here, so this module runs unchanged inside the grader's sandbox.
"""
import numpy as np


def _keep_tuple(rec, key, res, names, what):
    """Keep the parts of a returned tuple under ``key/<name>``, or record that it is no tuple."""
    if res is None:
        return False
    if not (isinstance(res, (tuple, list)) and len(res) == len(names)):
        rec.fail(key, f"{what} must return a tuple of {len(names)}: ({', '.join(names)}).")
        return False
    rec.keep(key, np.float64(1.0))
    for name, value in zip(names, res):
        rec.keep(f"{key}/{name}", value)
    return True


def momentum_probe(rec, case):
    w, dw, v = case["w"], case["dw"], case["v"]
    res = rec.call("res", "momentum_step", w, dw, v, float(case["lr"]), float(case["mu"]))
    _keep_tuple(rec, "res", res, ("w", "v"), "`momentum_step`")
    rec.keep("w_after", w)
    rec.keep("dw_after", dw)
    rec.keep("v_after", v)


def adam_probe(rec, case):
    w, dw, m, v = case["w"], case["dw"], case["m"], case["v"]
    res = rec.call("res", "adam_step", w, dw, m, v, int(case["t"]), float(case["lr"]),
                   beta1=float(case["beta1"]), beta2=float(case["beta2"]), eps=float(case["eps"]))
    _keep_tuple(rec, "res", res, ("w", "m", "v"), "`adam_step`")
    rec.keep("w_after", w)
    rec.keep("dw_after", dw)
    rec.keep("m_after", m)
    rec.keep("v_after", v)


def rmsprop_probe(rec, case):
    w, dw, s = case["w"], case["dw"], case["s"]
    res = rec.call("res", "rmsprop_step", w, dw, s, float(case["lr"]), rho=float(case["rho"]), eps=float(case["eps"]))
    _keep_tuple(rec, "res", res, ("w", "s"), "`rmsprop_step`")
    rec.keep("w_after", w)
    rec.keep("dw_after", dw)
    rec.keep("s_after", s)


def _params(case):
    """The case's parameter dict: keys W1, b1, W2, b2, ... (``depth`` layers)."""
    return {f"{kind}{i}": case[f"{kind}{i}"] for i in range(1, int(case["depth"]) + 1) for kind in "Wb"}


def l2_probe(rec, case):
    params = _params(case)
    res = rec.call("res", "l2_penalty", params, float(case["lam"]))
    if _keep_tuple(rec, "res", res, ("penalty", "grads"), "`l2_penalty`"):
        penalty, grads = res
        if isinstance(penalty, (float, int, np.generic)):
            rec.keep("res/penalty", np.asarray(penalty))
        if not isinstance(grads, dict):
            rec.fail("grads", "the second value returned must be a dict with the keys of `params`.")
        else:
            for k in params:
                if k in grads:
                    rec.keep("d" + k, grads[k])
                else:
                    rec.fail("d" + k, f"`grads` has no key {k!r}.")
    for k, v in params.items():
        rec.keep(k + "_after", v)


def early_stopping_probe(rec, case):
    """A scripted run: the parameters carry their epoch number e (W = e everywhere, b = −e);
    ``train_epoch`` advances it and reports ``train_curve[e]``, ``val_loss`` reads ``val_curve[e]``."""
    val_curve, train_curve = case["val_curve"], case["train_curve"]
    calls = []

    def epoch_of(params):
        return int(round(float(np.asarray(params["W"]).reshape(-1)[0])))

    def train_epoch(params):
        e = epoch_of(params) + 1
        calls.append(e)
        new = {"W": np.full((2, 3), float(e)), "b": np.full(3, -float(e))}
        return new, float(train_curve[min(e, len(train_curve) - 1)])

    def val_loss(params):
        e = epoch_of(params)
        return float(val_curve[e]) if 0 <= e < len(val_curve) else 1e9

    start = {"W": np.zeros((2, 3)), "b": np.zeros(3)}
    res = rec.call("res", "fit_early_stopping", start, train_epoch, val_loss,
                   int(case["max_epochs"]), int(case["patience"]))
    if _keep_tuple(rec, "res", res, ("params", "val_losses"), "`fit_early_stopping`"):
        best, losses = res
        if isinstance(best, dict) and "W" in best and "b" in best:
            rec.keep("best_W", best["W"])
            rec.keep("best_b", best["b"])
        else:
            rec.fail("best_W", "the parameters returned must be one of the dicts `train_epoch` "
                               "returned (or the starting one), with keys 'W' and 'b'.")
        try:
            rec.keep("losses", np.asarray(losses, dtype=np.float64).reshape(-1))
        except Exception as exc:
            rec.fail("losses", f"the validation losses could not be read as numbers: {type(exc).__name__}: {exc}")
    rec.keep("calls", np.asarray(calls, dtype=np.float64))
    rec.keep("start_W", start["W"])


def digits_probe(rec, case):
    """``train_digits`` twice with the same seed, and ``predict_digits`` on the test images after
    each: the host recomputes the labels from the returned parameters itself (the accuracy), and
    compares them with both runs' predictions."""
    args = (case["X_train"], case["y_train"].astype(np.int64), case["X_val"], case["y_val"].astype(np.int64),
            int(case["seed"]))
    for key in ("", "again/"):
        model = rec.call(key + "model", "train_digits", *args)
        if model is None:
            return
        rec.keep(key + "model", model)
        pred = rec.call(key + "pred", "predict_digits", model, case["X_test"])
        if pred is None:
            return
        try:
            rec.keep(key + "pred", np.asarray(pred))
        except Exception as exc:
            rec.fail(key + "pred", f"the predictions could not be read as an array: {type(exc).__name__}: {exc}")
            return


PROBES = {
    "momentum": momentum_probe,
    "adam": adam_probe,
    "rmsprop": rmsprop_probe,
    "l2": l2_probe,
    "early_stopping": early_stopping_probe,
    "digits": digits_probe,
}
