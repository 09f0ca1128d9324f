"""The numbers the training chapter shows equal what independent code computes, and the exercise
grades through the sandboxed batch grader.

The page (book/training.ipynb) prints them through ``dnnbook.training``; here each is recomputed
another way: with central differences of the reference forward (``autograder.gradcheck``), with
the exercise solution's functions (``course.solution_namespace``), with the checks' own rule
(``specs.training.expected_run``) or from closed-form stability limits. About 30 s of CPU (112 s
of wall-clock on the shared, heavily loaded 2-core machine), most of it the batch-grader run (two
notebooks, each training on the digits twice) and three digits trainings.
"""
import csv
import subprocess
import sys

import numpy as np
import pytest

import course
from autograder.gradcheck import numerical_gradient, max_relative_error
from autograder.reference import training as ref
from autograder.specs import training as spec
from dnnbook import training as tr


@pytest.fixture(scope="module")
def sol():
    return course.solution_namespace("training")


@pytest.fixture(scope="module")
def digits():
    return ref.load_digits_split(0)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_network_gradients_match_central_differences(reduction):
    rng = np.random.default_rng(3)
    params = tr.init_mlp([5, 7, 6, 4], rng)
    X, y = rng.normal(size=(9, 5)), rng.integers(0, 4, size=9)
    value, grads = tr.loss_and_grads(params, X, y, lam=0.3, reduction=reduction)
    assert value == pytest.approx(tr.loss(params, X, y, 0.3, reduction), rel=1e-12)
    for k in params:
        num = numerical_gradient(lambda v: tr.loss({**params, k: v}, X, y, 0.3, reduction), params[k].copy())
        assert max_relative_error(grads[k], num) < 1e-6, k


def test_sum_gradient_is_batch_size_times_mean(digits):
    params = tr.init_mlp([64, 16, 10], np.random.default_rng(0))
    X, y = digits[0][:32], digits[1][:32]
    g_mean = tr.loss_and_grads(params, X, y)[1]
    g_sum = tr.loss_and_grads(params, X, y, reduction="sum")[1]
    for k in params:
        np.testing.assert_allclose(g_sum[k], 32 * g_mean[k], rtol=1e-10, atol=1e-14)


def test_full_batch_has_no_sampling_error(digits):
    params = tr.init_mlp([64, 16, 10], np.random.default_rng(0))
    n = digits[0].shape[0]
    spread = tr.batch_gradient_spread(params, digits[0], digits[1], [4, n], draws=3, rng=np.random.default_rng(1))
    assert spread[1] < 1e-12 < spread[0]


def test_book_optimisers_take_the_exercise_steps(sol):
    rng = np.random.default_rng(5)
    w0 = {"w": rng.normal(size=(3, 2))}
    grads = [rng.normal(size=(3, 2)) for _ in range(6)]
    mom, adam = tr.Momentum(0.1, 0.9), tr.Adam(0.01)
    pm, pa = dict(w0), dict(w0)
    w_m, v = w0["w"], np.zeros((3, 2))
    w_a, m1, m2 = w0["w"], np.zeros((3, 2)), np.zeros((3, 2))
    for t, g in enumerate(grads, start=1):
        pm, pa = mom.update(pm, {"w": g}), adam.update(pa, {"w": g})
        w_m, v = sol["momentum_step"](w_m, g, v, 0.1, 0.9)
        w_a, m1, m2 = sol["adam_step"](w_a, g, m1, m2, t, 0.01)
        np.testing.assert_allclose(pm["w"], w_m, rtol=1e-13)
        np.testing.assert_allclose(pa["w"], w_a, rtol=1e-13)


def test_first_adam_step_moves_every_coordinate_by_eta():
    g = np.array([1e-3, -2.0, 50.0])
    step = tr.Adam(0.01).update({"w": np.zeros(3)}, {"w": g})["w"]
    np.testing.assert_allclose(step, -0.01 * np.sign(g), rtol=1e-4)


def test_bowl_stability_limits():
    # SGD along w2 multiplies by (1 − 25η): stable iff η < 2/25. Momentum: iff η < 2(1 + μ)/25.
    assert tr.steps_to_reach(tr.bowl_path("sgd", 0.079, 2000)) is not None
    assert tr.steps_to_reach(tr.bowl_path("sgd", 0.081, 2000)) is None
    assert tr.steps_to_reach(tr.bowl_path("momentum", 0.15, 2000)) is not None
    assert tr.steps_to_reach(tr.bowl_path("momentum", 0.155, 2000)) is None
    # SGD in closed form: w_k = (1 − η·curvature)^k · w_0, coordinate by coordinate
    for lr in (0.005, 0.05):
        k = np.arange(2001)[:, None]
        f = 0.5 * np.sum(tr.CURV * (tr.START * (1 - lr * tr.CURV) ** k) ** 2, axis=1)
        assert tr.steps_to_reach(tr.bowl_path("sgd", lr, 2000)) == int(np.argmax(f < 1e-3))


def test_l2_penalty_of_the_page_is_the_reference_and_the_solution(sol):
    params = tr.init_mlp([4, 3, 2], np.random.default_rng(2))
    params["b1"] += 1.0
    penalty, grads = sol["l2_penalty"](params, 0.2)
    assert penalty == pytest.approx(ref.l2_penalty(params, 0.2), rel=1e-12)
    assert tr.loss(params, np.zeros((1, 4)), [0], 0.2) - tr.loss(params, np.zeros((1, 4)), [0]) == \
        pytest.approx(penalty, rel=1e-10)
    np.testing.assert_array_equal(grads["b1"], 0.0)


def test_fit_stops_where_the_checked_rule_stops(digits):
    run = tr.fit(*digits[:4], max_epochs=40, patience=8, seed=0)
    losses, best = spec.expected_run(np.append(run["val"], np.inf), 40, 8)
    assert run["best_epoch"] == best
    assert len(run["val"]) == min(len(losses), 41)


def test_digits_accuracy_of_the_page_and_the_solution(sol):
    Xtr, ytr, Xva, yva, Xte, yte = ref.load_digits_split(0)           # the page's run
    run = tr.fit(Xtr, ytr, Xva, yva, seed=0)
    assert np.mean(tr.predict(run["params"], Xte) == yte) >= 0.95
    for hidden, (split, seed) in spec.DIGITS_SPLITS.items():    # the graded runs
        Xtr, ytr, Xva, yva, Xte, yte = ref.load_digits_split(split)
        model = sol["train_digits"](Xtr, ytr, Xva, yva, seed)
        assert ref.accuracy(sol["predict_digits"](model, Xte), yte) >= 0.96


@pytest.fixture(scope="module")
def small_runs(digits):
    """The page's two 300-epoch runs on 150 images, λ = 0 and λ = 0.01."""
    Xtr, ytr, Xva, yva = digits[:4]
    return {lam: tr.fit(Xtr[:150], ytr[:150], Xva, yva, lam=lam, patience=0, max_epochs=300)
            for lam in (0.0, 1e-2)}


def test_weight_decay_verdict_of_the_page(digits, small_runs):
    """The figure plots like with like, and the sentences built on it hold: without decay the
    training CE falls towards 0 and the validation CE turns upwards after a few dozen epochs; with
    λ = 0.01 the training CE stays higher, the validation CE improves for far longer and does not
    turn up; decay's lowest validation CE is slightly lower, its validation accuracy higher."""
    Xtr, ytr, Xva, yva = digits[:4]
    over, decay = small_runs[0.0], small_runs[1e-2]
    for lam, run in small_runs.items():        # train_ce is the CE of the 150 images, no penalty
        assert run["train_ce"][run["best_epoch"]] == pytest.approx(tr.loss(run["params"], Xtr[:150], ytr[:150]), rel=1e-12)
        assert run["train"][0] == pytest.approx(run["train_ce"][0] + ref.l2_penalty(
            tr.init_mlp([64, 128, 64, 10], np.random.default_rng(0)), lam), rel=1e-12)
    assert over["train_ce"][-1] < 1e-3 and 10 <= over["best_epoch"] <= 60
    assert over["val"][-1] > 1.2 * over["val"].min()
    assert decay["train_ce"][-1] > 10 * over["train_ce"][-1]
    assert decay["best_epoch"] > 4 * over["best_epoch"] and decay["val"][-1] < 1.05 * decay["val"].min()
    assert over["val"].min() * 0.9 < decay["val"].min() < over["val"].min()        # "slightly lower"
    acc = {lam: np.mean(tr.predict(r["params"], Xva) == yva) for lam, r in small_runs.items()}
    assert acc[1e-2] > acc[0.0]


def test_coupled_l2_in_adam_is_not_decay(digits, small_runs):
    """The blank pixels' weights: unchanged without a penalty, driven to ~0 by L2 inside Adam,
    where a decay by (1 − ηλ) per step would leave more than 97%."""
    X = digits[0][:150]
    init = tr.init_mlp([64, 128, 64, 10], np.random.default_rng(0))
    pixels, before, after = tr.blank_pixel_weights(small_runs[0.0]["params"], X, init)
    assert pixels > 0 and after == before
    pixels, before, after = tr.blank_pixel_weights(small_runs[1e-2]["params"], X, init)
    steps = small_runs[1e-2]["steps"]
    assert steps == small_runs[1e-2]["best_epoch"] * 5
    assert after < 1e-3 * before and (1 - 2e-3 * 1e-2) ** steps > 0.97
    # Adam normalises a constant gradient λw to about ±1: a step of about η, whatever λ is
    for lam in (1e-4, 1.0):
        w = {"W": np.array([0.5, -0.3])}
        step = tr.Adam(2e-3).update(w, {"W": lam * w["W"]})["W"] - w["W"]
        np.testing.assert_allclose(step, -2e-3 * np.sign(w["W"]), rtol=1e-3)


def test_sanity_check_one_a_wrong_loss_shows_at_initialisation(digits):
    """Self-check 4 and sanity check 1: the loss at initialisation is about log 10; averaging
    probabilities instead of log-probabilities gives a value well below log 10."""
    params = tr.init_mlp([64, 128, 64, 10], np.random.default_rng(0))
    X, y = digits[0], digits[1]
    assert 0.9 * tr.LOG10 < tr.loss(params, X, y) < 1.5 * tr.LOG10
    z = tr.logits(params, X)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    assert -np.mean(p[np.arange(len(y)), y]) < 0.5 * tr.LOG10


def test_bowl_fastest_sgd_rate():
    """SGD is fastest somewhat below 2/25 and slower again just below it (the page's table); at
    2/(1 + 25) the two directions shrink by the same factor per step."""
    assert 2 / 26 == pytest.approx(0.077, abs=5e-4)
    assert abs(1 - 2 / 26 * tr.CURV[0]) == pytest.approx(abs(1 - 2 / 26 * tr.CURV[1]), rel=1e-12)
    n = {lr: tr.steps_to_reach(tr.bowl_path("sgd", lr, 2000)) for lr in (0.05, 0.07, 0.079)}
    assert n[0.07] < n[0.05] and n[0.07] < n[0.079]


def test_confusion_matrix_counts(digits):
    pred = np.array([0, 1, 1, 9, 3])
    y = np.array([0, 1, 2, 9, 4])
    C = tr.confusion(pred, y)
    assert C.sum() == 5 and np.trace(C) == 3 and C[2, 1] == 1 and C[4, 3] == 1


def test_batch_grader_solution_full_marks_blank_zero(tmp_path):
    """The sandboxed batch grader (as an instructor runs it) on the solution and the blank notebook."""
    A, NB = "training", "training.ipynb"
    course_dir = course.make_course(tmp_path, [A])
    subs = tmp_path / "subs"
    subs.mkdir()
    blank = course.released(course_dir, A, NB)
    import nbformat
    nbformat.write(blank, subs / "blank_training.ipynb")
    nbformat.write(course.fill(course.released(course_dir, A, NB), course.solution_sources(A, NB)),
                   subs / "solution_training.ipynb")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", A, str(subs), "--course", str(course_dir),
                           "--seed", "7", "--workers", "2", "--timeout", "300", "--no-progress", "--out", str(out)],
                          cwd=course_dir, env=course.nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(out / "grades.csv") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    points = course.max_points(A)
    assert rows["solution"]["status"] == rows["blank"]["status"] == "graded"
    got = course.scores(course_dir, A)
    assert got["solution"] == points
    assert got["blank"] == {g: 0.0 for g in points}


def test_pytorch_momentum_takes_the_pages_steps_while_eta_is_constant(sol):
    """Review 8.7: PyTorch's buffer form (buf ← μ buf + g, w ← w − η buf) takes the page's steps
    (u ← μ u − η g, w ← w + u; the exercise's momentum_step) at a constant η, and Nesterov in
    PyTorch's form sits at the page's look-ahead point w + μ u; after η drops they part (the
    page's table: 4e-16 and 1.70, 4e-16 and 0.91, from a start 4.27 from the minimum)."""
    constant = tr.momentum_forms([0.05] * 60)
    np.testing.assert_allclose(constant["page"], tr.bowl_path("momentum", 0.05, 60), rtol=0, atol=1e-15)
    w, v = tr.START.copy(), np.zeros(2)
    for k in range(60):
        w, v = sol["momentum_step"](w, tr.bowl_grad(w), v, 0.05, 0.9)
        assert np.abs(w - constant["torch"][k + 1]).max() < 1e-14
    for ours, torch in [("page", "torch"), ("page nesterov", "torch nesterov")]:
        assert np.abs(constant[ours] - constant[torch]).max() < 1e-15
    # Nesterov, page form written out: the gradient at the look-ahead point
    w, u = tr.START.copy(), np.zeros(2)
    for k in range(60):
        u = 0.9 * u - 0.05 * tr.CURV * (w + 0.9 * u)
        w = w + u
        assert np.abs(w + 0.9 * u - constant["torch nesterov"][k + 1]).max() < 1e-14
    # after the drop: PyTorch's step is μ(η'/η)u − η'g, the page's μu − η'g
    dropped = tr.momentum_forms([0.05] * 20 + [0.005] * 40)
    u20 = dropped["page"][20] - dropped["page"][19]
    g20 = tr.bowl_grad(dropped["page"][20])
    np.testing.assert_allclose(dropped["page"][21] - dropped["page"][20], 0.9 * u20 - 0.005 * g20, rtol=1e-12)
    np.testing.assert_allclose(dropped["torch"][21] - dropped["torch"][20], 0.9 * 0.1 * u20 - 0.005 * g20, rtol=1e-12)
    gaps = [round(float(np.abs(dropped[a] - dropped[b]).max()), 2)
            for a, b in [("page", "torch"), ("page nesterov", "torch nesterov")]]
    assert gaps == [1.70, 0.91]
    assert round(float(np.linalg.norm(tr.START)), 2) == 4.27


def _steps_by_matrix_powers(ratio, lr, mu, level=1e-6):
    """Per direction of curvature h, (w, u) ↦ [[1 − ηh, μ], [−ηh, μ]] (w, u): f from matrix powers."""
    curv = np.array([1.0, ratio])
    Ms = [np.array([[1 - lr * h, mu], [-lr * h, mu]]) for h in curv]
    states = [np.array([w0, 0.0]) for w0 in tr.START]
    f0 = 0.5 * np.sum(curv * tr.START ** 2)
    for k in range(1, 100_000):
        states = [M @ s for M, s in zip(Ms, states)]
        if 0.5 * sum(h * s[0] ** 2 for h, s in zip(curv, states)) < level * f0:
            return k


def test_tuned_momentum_speed_up_grows_like_the_root_of_the_condition_number():
    """Review 8.10: the page's table of tuned SGD and tuned heavy-ball steps, recomputed with 2 × 2
    matrix powers; the eigenvalue argument (product μ, both of size √μ for every curvature from
    1 to the condition number) and the sentences' numbers."""
    table = {25: (87, 27), 100: (346, 58), 1000: (3454, 204), 10_000: (34539, 708)}
    for ratio, (n_sgd, n_mom) in table.items():
        s, lr_s, mu_s = tr.tuned_steps(ratio, "sgd")
        m, lr, mu = tr.tuned_steps(ratio, "momentum")
        assert (s, m) == (n_sgd, n_mom) and mu_s == 0.0
        assert _steps_by_matrix_powers(ratio, lr_s, 0.0) == s and _steps_by_matrix_powers(ratio, lr, mu) == m
        assert abs(1 - lr_s) == pytest.approx(abs(1 - lr_s * ratio)) == pytest.approx((ratio - 1) / (ratio + 1))
        for h in np.geomspace(1, ratio, 9):
            ev = np.linalg.eigvals(np.array([[1 - lr * h, mu], [-lr * h, mu]]))
            assert np.prod(ev).real == pytest.approx(mu) and np.allclose(np.abs(ev), np.sqrt(mu), rtol=1e-6)
        assert 1 < n_sgd / n_mom < np.sqrt(ratio)
    _, lr, mu = tr.tuned_steps(25, "momentum")
    assert (round(mu, 2), round(lr, 2), round(np.sqrt(mu), 4)) == (0.44, 0.11, round(2 / 3, 4))
    for h in (1.0, 25.0):          # at both ends the two eigenvalues coincide: a factor k·√μ^k
        assert (1 + mu - lr * h) ** 2 == pytest.approx(4 * mu)
    assert round(24 / 26, 2) == 0.92
    assert [round(table[r][0] / n, 1) for r, n in ((1000, 346), (10_000, 3454))] == [10.0, 10.0]
    assert [round(table[r][1] / n, 1) for r, n in ((1000, 58), (10_000, 204))] == [3.5, 3.5]
    assert [round(s / m, 1) for s, m in table.values()] == [3.2, 6.0, 16.9, 48.8]
    assert np.sqrt(10_000) == 100                                   # self-check 8
