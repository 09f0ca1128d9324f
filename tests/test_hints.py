"""autograder.hints: the sentence a failed check adds, for the mistakes learners make."""
import numpy as np
import pytest

from autograder.hints import dtype_hint, gradient_hint, shape_hint, type_hint


@pytest.mark.parametrize("got, expected, says", [
    ((4, 3), (3, 4), "transposed"),                                  # dout.T @ x for x.T @ dout
    ((8, 3, 4), (3, 4), "sum the per-example contributions"),         # dW kept per example
    ((8, 4), (4,), "sum the per-example contributions"),              # db not summed over the batch
    ((2, 4, 3), (2, 3, 4), "axes are in another order"),
    ((2, 3, 6, 6), (2, 3, 4, 4), "an axis has the wrong length"),     # a convolution without padding
    ((8,), (4,), "an axis has the wrong length"),                     # db summed over the wrong axis
    ((8, 1), (8,), "number of axes differs"),                         # keepdims=True
    ((8, 8), (8, 1, 1), "number of axes differs"),
])
def test_shape_hint_names_the_mistake(got, expected, says):
    assert says in shape_hint(got, expected)
    assert "parameter" not in shape_hint((2, 3, 6, 6), (2, 3, 4, 4))    # an output, not a gradient


def test_type_and_dtype_hints():
    assert "return" in type_hint("NoneType", (3,)) and "single number" in type_hint("float", (3,))
    assert "float64" in dtype_hint("float32") and "astype" in dtype_hint("bool") and dtype_hint("float64") == ""


def test_gradient_hint_recognises_a_flipped_sign_and_a_candidate():
    rng = np.random.default_rng(0)
    num = rng.standard_normal((4, 5))
    assert "sign" in gradient_hint(-num, num)
    assert gradient_hint(num * 0.5, num, candidates=[(num * 0.5, "halved")]) == "halved"
