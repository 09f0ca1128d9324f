"""What a backward that numerically differentiates the forward would cost on the big cases
(issue 7, class 3): one forward call of the solution on the big case, times the 2 calls per
entry such a backward needs, against the item's time limit (the grader's --cell-timeout,
30 s by default). Also the host's cost of judging the big case.

    .venv/bin/python benchmarks/numdiff_cost.py
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import course  # noqa: E402

from autograder.checks import draw_cases, load_spec, run_probe, verify  # noqa: E402
from autograder.probe import KEEP_INPUTS  # noqa: E402

# item -> (forward to time, the case key(s) of what the backward differentiates)
FORWARDS = {
    ("activations", "tanh"): (lambda ns, c: ns["tanh_forward"](c["x"]), "x"),
    ("activations", "softmax"): (lambda ns, c: ns["softmax_forward"](c["x"]), "x"),
    ("two_layer_net", "affine"): (lambda ns, c: ns["Affine"](c["W"], c["b"]).forward(c["x"]), "x"),
    ("learning_types", "cross_entropy"): (lambda ns, c: ns["cross_entropy_forward"](c["logits"], c["labels"].astype(int)),
                                          "logits"),
    ("learning_types", "autoencoder"): (lambda ns, c: ns["autoencoder_forward"](
        c["x"], c["W_enc"], c["b_enc"], c["W_dec"], c["b_dec"]), ("W_enc", "b_enc", "W_dec", "b_dec")),
}


def main():
    print(f"{'item':32} {'entries':>9} {'1 forward':>10} {'numdiff needs':>14} {'host judges':>12}")
    for (assignment, item), (forward, key) in FORWARDS.items():
        ns = course.solution_namespace(assignment)
        spec = load_spec(assignment)
        cases = draw_cases(spec.ITEMS[item], hidden=True, seed=1)
        keys = (key,) if isinstance(key, str) else key
        big = next(c for c in cases if max(np.size(v) for v in c.values()) > KEEP_INPUTS)
        start = time.process_time()
        for _ in range(5):
            forward(ns, big)
        one = (time.process_time() - start) / 5
        start = time.process_time()
        verify(spec.ITEMS[item], [big], run_probe(spec.ITEMS[item], ns, [big]))
        host = time.process_time() - start
        n = sum(np.size(big[k]) for k in keys)
        print(f"{assignment + '.' + item:32} {n:9d} {one * 1e3:8.2f} ms {2 * n * one:12.0f} s {host:10.2f} s")


if __name__ == "__main__":
    main()
