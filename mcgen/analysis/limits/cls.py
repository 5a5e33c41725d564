"""The expected CLs limit (pyhf): a binned likelihood of the true-photon energy spectrum with a
background-normalisation uncertainty and a signal-normalisation one (luminosity, photon efficiency),
solved on the Asimov data set."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mcgen import fpmath
from mcgen.analysis.limits.roots import LimitResult
from mcgen.analysis.limits.samples import SignalSample
from mcgen.analysis.limits.signal import _p_inside, decay_length_1
from mcgen.errors import InputError, MissingExtraError
from mcgen.mc.driver import reweight
from mcgen.physics.model import COUPLING_COLUMNS, D_GAMMA_RANGE, Couplings

__all__ = ["cls_limit", "cls_limit_runs", "Channel"]


_EXPECTED_SET = (2, 1, 0, -1, -2)  # pyhf's expected-set order: the -2 sigma, -1 sigma, median, +1 sigma, +2 sigma limits


_GRID_STEP = 10 ** 0.25  # the d_gamma scan of the CLs limit: 4 points a decade, then a root finder in each bracket


def _cls_thresholds(level: float = 0.05) -> list[float]:
    """sqrt(q_mu,A) at which pyhf's expected CLs equals ``level``, per member n of the expected set.

    On background-only Asimov data pyhf (AsymptoticCalculator, qtilde, 'normal' base distribution)
    gives CLs_n = Phi(-(n + sqrt(q_mu,A))) / Phi(-n): a function of sqrt(q_mu,A) alone, so every
    expected limit is where sqrt(q_mu,A) reaches a fixed number (1.96 for the median).

    >>> [round(z, 3) for z in _cls_thresholds()]
    [1.052, 1.412, 1.96, 2.727, 3.656]
    """
    from statistics import NormalDist

    phi = NormalDist()
    return [phi.inv_cdf(1 - level * phi.cdf(-n)) - n for n in _EXPECTED_SET]


@dataclasses.dataclass(frozen=True)
class Channel:
    """One channel of the CLs likelihood: a run's photon-energy bins (the kept ones), its background
    (events per bin) and the nuisance parameters of its background normalisation (a histosys of
    1 -+ ``background_delta``) and of its signal normalisation (a normsys of 1 -+ ``signal_delta``, left
    out at 0); channels that name the same nuisance share it."""

    name: str
    background: np.ndarray
    background_delta: float
    signal_delta: float = 0.0
    background_nuisance: str = "correlated_bkg_uncertainty"
    signal_nuisance: str = "signal_norm_uncertainty"


class _AsimovTest:
    """sqrt(q~_mu) of pyhf at mu = 1 on background-only Asimov data, for the signal of every channel
    (events per bin, the channels' bins one after the other). One channel with no signal uncertainty is
    pyhf's ``simplemodels.correlated_background``."""

    def __init__(self, pyhf: Any, channels: list[Channel]) -> None:
        self.pyhf, self.channels = pyhf, channels
        self.sizes = [len(c.background) for c in channels]
        self.fits = 0

    def spec(self, s: np.ndarray) -> dict[str, Any]:
        """The pyhf specification of the channels for the signal ``s``."""
        out, start = [], 0
        for c, size in zip(self.channels, self.sizes):
            b = c.background
            signal_modifiers: list[dict[str, Any]] = [{"name": "mu", "type": "normfactor", "data": None}]
            if c.signal_delta > 0:
                signal_modifiers.append({"name": c.signal_nuisance, "type": "normsys",
                                         "data": {"hi": 1.0 + c.signal_delta, "lo": 1.0 - c.signal_delta}})
            out.append({"name": c.name, "samples": [
                {"name": "signal", "data": np.clip(s[start:start + size], 1e-12, None).tolist(), "modifiers": signal_modifiers},
                {"name": "background", "data": b.tolist(), "modifiers": [
                    {"name": c.background_nuisance, "type": "histosys",
                     "data": {"hi_data": (b * (1 + c.background_delta)).tolist(),
                              "lo_data": (b * (1 - c.background_delta)).tolist()}}]},
            ]})
            start += size
        return {"channels": out}

    def model(self, s: np.ndarray) -> tuple[Any, list[float], list[float], list[tuple[float, float]]]:
        """The pyhf model, its Asimov data, and init parameters and bounds that agree with each other."""
        model = self.pyhf.Model(self.spec(s), validate=False)  # validate=False: the spec is pyhf's own form
        config = model.config
        bounds = [tuple(x) for x in config.suggested_bounds()]
        init = [float(x) for x in config.suggested_init()]
        # mu = 1 is the value tested (the signal carries the scale) and the free fit sits at mu = 0: both inside
        bounds[config.poi_index], init[config.poi_index] = (0.0, 10.0), 1.0
        for c in self.channels:
            # the linear interpolation must keep b (1 + delta theta) > 0 when delta is large (--set)
            nuisance = config.par_slice(c.background_nuisance).start
            bounds[nuisance] = (max(-5.0, -0.9 / c.background_delta) if c.background_delta > 0 else -5.0, 5.0)
        data = [x for name in config.channels for x in self._background(name)]
        return model, data + config.auxdata, init, bounds

    def _background(self, channel: str) -> list[float]:
        return next(c.background for c in self.channels if c.name == channel).tolist()

    def __call__(self, s: np.ndarray) -> float:
        model, data, init, bounds = self.model(s)
        _, twice_nll = self.pyhf.infer.mle.fixed_poi_fit(1.0, data, model, init, bounds, return_fitted_val=True)
        self.fits += 1
        # the free fit to background-only Asimov data is exactly mu = 0 at the nominal nuisance (no fit needed)
        nominal = list(init)
        nominal[model.config.poi_index] = 0.0
        q = float(twice_nll) + 2.0 * float(model.logpdf(nominal, data)[0])
        if not math.isfinite(q):
            raise ArithmeticError(f"pyhf returned a non-finite test statistic ({q})")
        return math.sqrt(max(q, 0.0))

    def cls_expected(self, s: np.ndarray) -> float | None:
        """pyhf's own median expected CLs at mu = 1 (pyhf.infer.hypotest): the check that the limit has CLs = 0.05."""
        model, data, init, bounds = self.model(s)
        try:
            _, expected = self.pyhf.infer.hypotest(1.0, data, model, init, bounds, test_stat="qtilde",
                                                   return_expected_set=True)
        except (ValueError, RuntimeError, ArithmeticError, self.pyhf.exceptions.FailedMinimization):
            return None
        value = float(expected[2])
        return value if math.isfinite(value) else None


def _intervals_above(z: Any, t_grid: list[float], z_grid: list[float], threshold: float) -> list[list[float | None]]:
    """Intervals of d = exp(t) where z(t) > threshold, from the scanned grid and brentq in every bracket
    (a bracket with a sign change: brentq cannot fail there). Open at the top if the last point is above."""
    from scipy.optimize import brentq

    def root(a: float, b: float) -> float:
        return fpmath.exp(brentq(lambda t: z(t) - threshold, a, b, xtol=1e-6, rtol=1e-10))

    intervals: list[list[float | None]] = []
    start: float | None = fpmath.exp(t_grid[0]) if z_grid[0] > threshold else None
    for i in range(1, len(t_grid)):
        before, now = z_grid[i - 1] > threshold, z_grid[i] > threshold
        if now and not before:
            start = root(t_grid[i - 1], t_grid[i])
        elif before and not now:
            intervals.append([start, root(t_grid[i - 1], t_grid[i])])
            start = None
    if z_grid[-1] > threshold:
        intervals.append([start, None])
    return intervals


def cls_limit(sample: SignalSample, structure: Couplings) -> LimitResult:
    """Expected 95% CL CLs limit (pyhf, asymptotic qtilde) from the binned photon-energy spectrum, with the
    card's background and signal normalisation uncertainties, and its +-1 and +-2 sigma bands.

    The signal at coupling d is S(d) = d^2 sum_b P_inside(b, d) coeff_b per bin (the shape changes with d
    through the lifetime), and d is excluded where pyhf's expected CLs at mu = 1 for S(d) is below 0.05,
    i.e. where sqrt(q~_1) on background-only Asimov data exceeds a fixed number (``_cls_thresholds``):
    one pyhf fit per d, with mu = 1 always inside its bounds. d is scanned on a log grid from a bound
    below which nothing can be excluded, and the crossings are solved with brentq in log d. A mass
    where pyhf fails gives null with the reason in ``details["note"]``, never an abort.
    """
    return cls_limit_runs([(sample, structure)])


def cls_limit_runs(pairs: Sequence[tuple[SignalSample, Couplings]]) -> LimitResult:
    """:func:`cls_limit` of several runs at one mass in one likelihood: a channel per run (its own
    photon-energy bins, background and lifetime; each run's sample with its structure at d_gamma = 1),
    d_gamma shared. The runs of one card share its
    background- and signal-normalisation nuisance parameters (one collider, one detector); runs of
    different cards (``mcgen limits --combine``) have their own."""
    try:
        import pyhf
    except ImportError:
        raise MissingExtraError("the CLs limit needs pyhf: pip install 'mcgen[limits]'") from None
    samples = [sample for sample, _ in pairs]
    cards = list(dict.fromkeys(s.card.info.name for s in samples))
    signals, channels, s_max = [], [], []
    for sample, structure in pairs:
        card, lim = sample.card, sample.card.limit
        if sample.coeff_binned is None or not isinstance(sample.background_pb, np.ndarray):
            raise InputError(f"card {card.name}: the CLs limit needs the binned signal and background")
        br, lambda_1 = decay_length_1(sample, structure)
        table = dict(zip(COUPLING_COLUMNS, sample.coeff_binned))
        per_bin = reweight(table, structure.d_gamma, structure.d_Z, structure.d_W)  # (n_b, n_bins) at d = 1
        scale = card.beam.luminosity_invpb * card.detector.photon_efficiency * br
        background = np.clip(sample.background_pb * card.beam.luminosity_invpb, 1e-9, None)
        keep = background > 1e-6
        suffix = f"_{card.info.name}" if len(cards) > 1 else ""
        channels.append(Channel("single_channel" if len(samples) == 1 else f"run_{card.name.replace(':', '_')}",
                                background[keep], float(lim.value("background_rel_syst")), lim.signal_rel_syst,
                                f"correlated_bkg_uncertainty{suffix}", f"signal_norm_uncertainty{suffix}"))
        signals.append((scale, per_bin, keep, sample.boundary_m, lambda_1))
        s_max.append(scale * np.clip(per_bin, 0.0, None).sum(axis=0)[keep])
    base: dict[str, Any] = {"criterion": "cls", "background_rel_syst": channels[0].background_delta,
                            "signal_rel_syst": channels[0].signal_delta, "bins": sum(len(c.background) for c in channels)}
    if len(samples) > 1:
        base["channels"] = [c.name for c in channels]

    def signal(d: float) -> np.ndarray:
        return np.concatenate([scale * d * d * fpmath.dot(per_bin.T, _p_inside(boundary, np.array([d]), lambda_1)[0])[keep]
                               for scale, per_bin, keep, boundary, lambda_1 in signals])

    # S(d) <= d^2 s_max bin by bin (P_inside <= 1), and q~ <= q without the nuisances <= sum S^2/B: below d_lo
    # even the -2 sigma threshold is out of reach, so the scan starts there
    reach = math.sqrt(float(sum(np.sum(m**2 / c.background) for m, c in zip(s_max, channels))))
    if not reach > 0:
        return LimitResult(samples[0].mass, None, [], {**base, "note": "no signal after the cuts"})
    thresholds = _cls_thresholds()
    test = _AsimovTest(pyhf, channels)
    t_lo, t_hi = 0.5 * fpmath.log(thresholds[0] / reach), fpmath.log(D_GAMMA_RANGE[1])
    cache: dict[float, float] = {}

    def z(t: float) -> float:
        if t not in cache:
            cache[t] = test(signal(fpmath.exp(t)))
        return cache[t]

    try:
        t_grid, z_grid = [t_lo], [z(t_lo)]
        # S(d) grows with d in every bin (d^2 P_inside(d)): once the +2 sigma threshold is passed it stays passed
        while z_grid[-1] <= thresholds[-1] and t_grid[-1] < t_hi:
            t_grid.append(min(t_grid[-1] + fpmath.log(_GRID_STEP), t_hi))
            z_grid.append(z(t_grid[-1]))
        bands = [_intervals_above(z, t_grid, z_grid, x) for x in thresholds]
        excluded = bands[2]
        d95 = excluded[0][0] if excluded else None
        check = test.cls_expected(signal(d95)) if d95 is not None else None
    except (ValueError, RuntimeError, ArithmeticError, pyhf.exceptions.FailedMinimization) as exc:
        reason = " ".join(str(exc).split())  # pyhf's messages span lines: one line in the JSON
        return LimitResult(samples[0].mass, None, [], {**base, "note": f"pyhf failed: {type(exc).__name__}: {reason}"})

    def first(ivs: list[list[float | None]]) -> float | None:
        return ivs[0][0] if ivs else None

    details = {**base, "expected_band_1sigma": [first(bands[1]), first(bands[3])],
               "expected_band_2sigma": [first(bands[0]), first(bands[4])], "cls_expected_at_limit": check,
               "pyhf_fits": test.fits}
    if d95 is None:
        details["note"] = f"nothing excluded up to d_gamma = {D_GAMMA_RANGE[1]:g} GeV^-1"
    return LimitResult(samples[0].mass, d95, excluded, details)
