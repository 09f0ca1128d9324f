"""Probes of the convolutions-and-recurrence exercise: the untrusted half of every check.

Each probe calls the learner's functions on one case and keeps what comes back as plain data
(:mod:`autograder.probe`). Only ``autograder.probe`` is imported here: the verdicts are
computed in ``autograder/specs/convolutions_and_rnns.py``.
"""
from autograder.probe import given_then_fixed


def _ints(case, *names):
    return tuple(int(case[n]) for n in names)


def conv_forward_probe(rec, case):
    stride, pad = _ints(case, "stride", "pad")
    rec.keep("out", rec.call("out", "conv_forward", case["x"], case["w"], case["b"], stride, pad))
    rec.keep_input("x_after", case["x"])
    rec.keep_input("w_after", case["w"])


def conv1d_probe(rec, case):
    """The given ``conv1d_forward`` and the learner's fixed ``conv1d_backward``."""
    given_then_fixed(rec, "conv1d_forward", "conv1d_backward", case["dout"], case["x"], case["w"])


def conv_backward_probe(rec, case):
    stride, pad = _ints(case, "stride", "pad")
    rec.record("grads", "conv_backward", case["dout"], case["x"], case["w"], stride, pad)
    rec.keep_input("dout_after", case["dout"])
    rec.keep_input("x_after", case["x"])
    rec.keep_input("w_after", case["w"])


def maxpool_probe(rec, case):
    size, stride = _ints(case, "size", "stride")
    rec.keep("out", rec.call("out", "maxpool_forward", case["x"], size, stride))
    rec.keep("dx", rec.call("dx", "maxpool_backward", case["dout"], case["x"], size, stride))
    rec.keep_input("x_after", case["x"])
    rec.keep_input("dout_after", case["dout"])


def rnn_step_probe(rec, case):
    args = case["x"], case["h_prev"], case["Wx"], case["Wh"], case["b"]
    rec.keep("h", rec.call("h", "rnn_step_forward", *args))
    rec.record("grads", "rnn_step_backward", case["dh"], *args)
    rec.keep_input("dh_after", case["dh"])


def bptt_probe(rec, case):
    rec.record("grads", "rnn_backward", case["dh"], case["x"], case["h0"], case["Wx"], case["Wh"], case["b"])
    rec.keep_input("dh_after", case["dh"])
    rec.keep_input("x_after", case["x"])


def clip_probe(rec, case):
    grads = [case[f"g{i}"] for i in range(int(case["count"]))]
    res = rec.record("clip", "clip_by_global_norm", grads, float(case["max_norm"]))
    try:                    # "returned unchanged (as new arrays)": is a returned array one of the arguments?
        rec.keep("shared", any(c is g for c in tuple(res[0]) for g in grads))
    except Exception:       # no pair of arrays: the check of the result's structure says so
        pass
    for i, g in enumerate(grads):
        rec.keep_input(f"g{i}_after", g)


PROBES = {"conv_forward": conv_forward_probe, "find_the_bug": conv1d_probe, "conv_backward": conv_backward_probe,
          "maxpool": maxpool_probe, "rnn_step": rnn_step_probe, "bptt": bptt_probe, "clip": clip_probe}
