"""seisdiff.dsp.bssa14 against pygmm's BooreStewartSeyhanAtkinson2014 (the reference implementation) and the
model's own physics: stronger with magnitude, weaker with distance, softer sites amplify weak motion."""
import numpy as np
import pytest

from seisdiff.dsp import bssa14

pygmm = pytest.importorskip("pygmm")

PERIODS_S = np.array([0.0, 0.01, 0.05, 0.1, 0.137, 0.2, 0.5, 1.0, 2.2, 3.0, 10.0])


@pytest.mark.parametrize("mechanism", ["U", "SS", "NS", "RS"])
def test_matches_pygmm(mechanism):
    cases = [(m, r, v) for m in (4.2, 5.5, 6.3, 7.8) for r in (0.0, 8.0, 45.0, 150.0, 300.0)
             for v in (180.0, 360.0, 760.0, 1200.0)]
    m, r, v = (np.array(x) for x in zip(*cases))
    ln_median, sigma = bssa14.predict(m, r, v, PERIODS_S, mechanism=mechanism)
    for i, (mi, ri, vi) in enumerate(cases):
        ref = pygmm.BooreStewartSeyhanAtkinson2014(pygmm.Scenario(mag=mi, dist_jb=ri, v_s30=vi, mechanism=mechanism))
        want = np.concatenate([[np.log(ref.pga)], ref.interp_ln_spec_accels(PERIODS_S[1:])])
        want_sigma = np.concatenate([[ref.ln_std_pga], ref.interp_ln_stds(PERIODS_S[1:])])
        np.testing.assert_allclose(ln_median[i], want, rtol=0, atol=1e-9)
        np.testing.assert_allclose(sigma[i], want_sigma, rtol=0, atol=1e-9)


def test_regional_attenuation_matches_pygmm():
    for attenuation, region in (("china_turkey", "turkey"), ("italy_japan", "italy")):
        ln_median, _ = bssa14.predict(6.5, 120.0, 400.0, PERIODS_S, attenuation=attenuation)
        ref = pygmm.BooreStewartSeyhanAtkinson2014(pygmm.Scenario(mag=6.5, dist_jb=120.0, v_s30=400.0, region=region))
        np.testing.assert_allclose(ln_median[0, 1:], ref.interp_ln_spec_accels(PERIODS_S[1:]), atol=1e-9)


def test_physics():
    """PGA grows with M, falls with R_JB; a soft site (Vs30 200) amplifies weak motion more than strong (the
    nonlinear term); the M6.5 PGA at 10 km on Vs30 760 is the published ~0.3 g."""
    ln_pga = lambda m, r, v: bssa14.predict(m, r, v, [0.0])[0][0, 0]
    assert ln_pga(7.0, 10, 760) > ln_pga(6.0, 10, 760) > ln_pga(5.0, 10, 760)
    assert ln_pga(6.5, 5, 760) > ln_pga(6.5, 30, 760) > ln_pga(6.5, 150, 760)
    weak_gain = ln_pga(5.0, 100, 200) - ln_pga(5.0, 100, 760)
    strong_gain = ln_pga(7.5, 1, 200) - ln_pga(7.5, 1, 760)
    assert weak_gain > strong_gain
    assert 0.2 < np.exp(ln_pga(6.5, 10, 760)) < 0.45


def test_refuses_periods_outside_the_table():
    with pytest.raises(ValueError, match="0.01–10 s"):
        bssa14.predict(6.0, 10.0, 760.0, [0.005])
    with pytest.raises(ValueError, match="mechanism"):
        bssa14.predict(6.0, 10.0, 760.0, [0.1], mechanism="thrust")


def test_out_of_range():
    np.testing.assert_array_equal(bssa14.out_of_range([6.0, 9.0, 6.0, 6.0], [10, 10, 500, 10], [760, 760, 760, 100]),
                                  [False, True, True, True])
