"""Goodness of fit: residual conventions, realization averaging, confidence interval, Anderson score."""
import numpy as np
import pytest
from scipy import stats

from seisdiff.evaluate import gof


def test_doubled_generated_gives_minus_ln2_bias_and_zero_sigma():
    rng = np.random.default_rng(0)
    real = rng.lognormal(size=(7, 3, 20))  # records, channels, periods
    record_index = np.repeat(np.arange(7), 4)  # 4 realizations each
    per_record = gof.record_residuals(real, 2.0 * real[record_index], record_index)
    s = gof.summarize(per_record)
    np.testing.assert_allclose(s["bias"], -np.log(2.0), rtol=1e-12)
    np.testing.assert_allclose(s["sigma"], 0.0, atol=1e-12)
    np.testing.assert_allclose(s["ci90_lo"], -np.log(2.0), rtol=1e-12)
    np.testing.assert_allclose(s["ci90_hi"], -np.log(2.0), rtol=1e-12)
    assert np.all(s["n"] == 7)


def test_realizations_are_averaged_as_logs_then_records():
    real = np.array([1.0, 1.0])
    # record 0: two realizations e¹ and e³ → mean ln residual −2 (not −ln((e + e³)/2));
    # record 1: one realization e⁰ → 0; the bias weighs records, not traces: (−2 + 0)/2
    generated = np.array([np.e, np.e**3, 1.0])
    record_index = np.array([0, 0, 1])
    per_record = gof.record_residuals(real, generated, record_index)
    np.testing.assert_allclose(per_record, [-2.0, 0.0], atol=1e-12)
    assert gof.summarize(per_record)["bias"] == pytest.approx(-1.0)


def test_durations_are_differences_in_seconds():
    per_record = gof.record_residuals(np.array([10.0, 20.0]), np.array([7.0, 9.0, 25.0]),
                                      np.array([0, 0, 1]), log=False)
    np.testing.assert_allclose(per_record, [2.0, -5.0])


@pytest.mark.parametrize("n", [2, 3, 8, 31, 250])
def test_confidence_interval_matches_scipy_student_t(n):
    x = np.random.default_rng(n).normal(0.3, 0.7, size=(n, 5))
    s = gof.summarize(x)
    lo, hi = stats.t.interval(0.90, n - 1, loc=x.mean(axis=0), scale=stats.sem(x, axis=0))
    np.testing.assert_allclose(s["bias"], x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(s["sigma"], x.std(axis=0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(s["ci90_lo"], lo, rtol=1e-9)
    np.testing.assert_allclose(s["ci90_hi"], hi, rtol=1e-9)


@pytest.mark.parametrize("dof", [1, 2, 3, 4, 7, 10, 59, 1000])
@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.995])
def test_student_t_quantile_matches_scipy(dof, q):
    assert gof.student_t_ppf(q, dof) == pytest.approx(stats.t.ppf(q, dof), rel=1e-10, abs=1e-12)


def test_non_finite_residuals_are_left_out_and_counted():
    real = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # a zero real value: ln undefined
    generated = np.array([[1.0, np.e], [np.e, 1.0], [np.e**2, np.e]])
    s = gof.summarize(gof.record_residuals(real, generated, np.arange(3)))
    np.testing.assert_array_equal(s["n"], [3, 2])
    np.testing.assert_allclose(s["bias"], [-1.0, -1.0])
    np.testing.assert_allclose(s["sigma"], [1.0, 0.0], atol=1e-12)


def test_anderson_score():
    x = np.array([0.3, 2.0, 5.0])
    np.testing.assert_array_equal(gof.anderson_score(x, x), 10.0)
    # differing by the smaller value scores 10/e, symmetric in its arguments
    assert gof.anderson_score(1.0, 2.0) == pytest.approx(10.0 / np.e)
    assert gof.anderson_score(2.0, 1.0) == pytest.approx(10.0 / np.e)
    assert gof.anderson_score(1.0, 1.5) == pytest.approx(10.0 * np.exp(-0.25))
