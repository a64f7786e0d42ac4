"""`evaluate.samplers.compare_samplers`: the bias of a sampler's spectra against a reference's."""
import numpy as np
import pytest
from synth import TINY_FS_HZ as FS, accelerogram


def test_compare_samplers_bias_sign_and_both_spectra(monkeypatch):
    """A stand-in `generate` whose 'ddim' output is twice the reference's: PSA and FAS bias
    ln(reference/candidate) = −ln 2 at every period and frequency (both linear in amplitude); the
    reference rerun with another seed (here identical) is the zero noise floor."""
    import seisdiff.evaluate.samplers as cmp_mod

    base = np.stack([accelerogram(s, n=1024) for s in range(3)])[:, None]

    def fake(denoiser, scaler, config, lowpass_mps2, ids, *, realizations, sampler, **kw):
        for i, rid in enumerate(ids):
            for k in range(realizations):
                yield rid, k, (2.0 if sampler == "ddim" else 1.0) * (1.0 + 0.1 * k) * base[i]

    monkeypatch.setattr(cmp_mod, "generate", fake)
    rows = cmp_mod.compare_samplers(None, None, None, base, ["a", "b", "c"], FS, candidates=[("ddim", 5)],
                                    reference=("ddpm", 7), realizations=2)
    ref, floor, cand = rows
    assert ref["reference"] and floor["noise_floor"] and not cand["noise_floor"]
    for key, n in (("psa", len(cmp_mod.COMPARE_PERIODS_S)), ("fas", len(cmp_mod.COMPARE_FREQS_HZ))):
        np.testing.assert_allclose(cand[f"{key}_bias"], -np.log(2.0), atol=1e-4)
        assert len(cand[f"{key}_bias"]) == n
        assert cand[f"{key}_band_bias"] == pytest.approx(-np.log(2.0), abs=1e-4)
        assert floor[f"max_abs_{key}_bias"] == 0.0
    assert cand["evaluations"] == 5
