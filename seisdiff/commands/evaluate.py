"""`seisdiff evaluate` — goodness of fit of generated records against real ones, next to baselines."""
from __future__ import annotations

from seisdiff.commands import nonnegative_int

HELP = ("compare generated records (or a baseline) with the real store: PSA/FAS bias, scalars, "
        "envelopes; writes metrics.json, figures and report.md")


def add_arguments(p):
    p.add_argument("--real", metavar="STORE", help="store of real records (m/s²); or --gmm")
    p.add_argument("--gmm", choices=("bssa14",), metavar="MODEL",
                   help="instead of --real: compare the stations of --generated (a store with magnitude and distance, "
                        "e.g. a scenario's `sample` output) with a ground-motion model: bssa14 (Boore et al. 2014)")
    p.add_argument("--vs30", type=float, default=760.0, metavar="MPS",
                   help="with --gmm: Vs30 (m/s) of stations whose store gives none (default 760)")
    p.add_argument("--hypocenter", type=float, nargs=3, metavar=("LAT", "LON", "DEPTH_KM"),
                   help="with --gmm and a station grid: the event's hypocentre (default: the one `sample` was given; a "
                        "store's records carry their own: refused there, except beside --src, which it must match)")
    p.add_argument("--magnitude", type=float, metavar="M",
                   help="with --gmm and a station grid: the event's moment magnitude (default: `sample`'s)")
    p.add_argument("--src", metavar="FILE",
                   help="with --gmm: the earthquake's rupture, a Broadband Platform simple source description (.src): "
                        "R_JB from the fault to each station (coordinates: a grid's station table, a store's sta_lat, "
                        "sta_lon), magnitude, mechanism (from the rake) and hypocentre depth from it (default: the rupture "
                        "`sample --src` recorded in --generated's settings, else a point source, R_JB taken as the "
                        "epicentral distance, mechanism unspecified; --point-source: a point source)")
    p.add_argument("--point-source", action="store_true",
                   help="with --gmm: compare as a point source (R_JB from each station's distance_km by its kind, "
                        "mechanism unspecified) even where --generated's settings record the rupture `sample --src` was "
                        "given; not with --src")
    p.add_argument("--generated", required=True, metavar="OUT|baseline:NAME",
                   help="store written by `seisdiff sample`, or baseline:lf_only / baseline:stochastic; with --gmm "
                        "any store or station grid")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for metrics.json, figures, report.md")
    p.add_argument("--periods", type=float, nargs="+", metavar="T_S",
                   help="PSA periods in s (default: 100 log-spaced from 0.01 to 10 s; with --gmm: 0.05–5 s, "
                        "within BSSA14's 0.01–10 s, PGA always)")
    p.add_argument("--max-records", type=int, metavar="N", help="evaluate only the first N matched records (with --gmm: "
                   "the first N stations)")
    p.add_argument("--seed", type=nonnegative_int, help="seed of the stochastic baseline (default 0; not with --gmm)")
    p.add_argument("--baseline-kappa", choices=("auto", "store", "default"),
                   help="κ of the stochastic baseline: the real store's kappa_s column (store), 0.04 s (default), "
                        "or what the model was given (auto, the default: the store's only for a model "
                        "conditioned on kappa_s, since a κ measured on the real record is its answer; not with --gmm)")


def run(args) -> int:
    from pathlib import Path

    from seisdiff.errors import UserError
    from seisdiff.evaluate.report import draw_rows, evaluate, table_rows, warnings_of

    if (args.real is None) == (args.gmm is None):
        raise UserError("evaluate: give --real STORE (real records to compare with) or --gmm bssa14 (a ground-motion "
                        "model, for a scenario without recordings), one of them")
    if args.max_records is not None and args.max_records < 1:
        raise UserError(f"--max-records {args.max_records}: give a positive number of records")
    if args.gmm:
        return _against_gmm(args)
    if args.point_source:
        raise UserError("--point-source: a point source is for --gmm (a ground-motion model's R_JB); with --real the "
                        "recordings are the reference, drop --point-source")
    if args.src:
        raise UserError(f"--src {args.src}: a rupture is for --gmm (a ground-motion model's R_JB); with --real the "
                        "recordings are the reference, drop --src")
    if args.periods and min(args.periods) <= 0:
        raise UserError("--periods: periods must be positive (seconds)")
    if not str(args.generated).startswith("baseline:") and not Path(args.generated).exists():
        raise UserError(f"--generated {args.generated}: no such store; give the output of "
                        "`seisdiff sample` or baseline:lf_only / baseline:stochastic")
    _refuse_files_folder(args.generated)
    merged = Path(args.generated) / "samples.zarr"   # a torchrun `sample` run's OUT: rank stores and their merge
    if merged.is_dir() and not (Path(args.generated) / "zarr.json").is_file():
        raise UserError(f"--generated {args.generated}: holds a torchrun `sample` run's rank stores; give their "
                        f"merged store, {merged}")
    result = evaluate(args.real, args.generated, args.out,
                      periods_s=sorted(args.periods) if args.periods else None,
                      max_records=args.max_records, seed=0 if args.seed is None else args.seed,
                      baseline_kappa=args.baseline_kappa or "auto")
    rows = table_rows(result)
    width = max(len(label) for label, _ in rows)
    print(f"{result['n_records']} records, {result['n_generated_traces']} generated traces")
    for line in warnings_of(result):
        print(f"warning: {line}")
    print(f"{'':{width}}  {'model':>10} {'lf_only':>10} {'stochastic':>10}")
    for label, values in rows:
        print(f"{label:{width}}  " + " ".join(f"{v:>10}" for v in values))
    if draws := draw_rows(result):
        n_draws = result["model_one_realization"]["n_draws"]
        print(f"\nmodel, one realization per record, over {n_draws} draws: mean ± sd (min … max)")
        for label, value in draws:
            print(f"{label:{width}}  {value}")
    print(f"report: {Path(args.out) / 'report.md'} (metrics.json and figures beside it)")
    return 0


def _refuse_files_folder(generated) -> None:
    """`sample --format sac|mseed|at2` writes files and its sample_config.json into OUT, no store: name that."""
    from pathlib import Path

    from seisdiff.errors import UserError

    out = Path(generated)
    if (out / "sample_config.json").is_file() and not (out / "zarr.json").is_file():
        raise UserError(f"--generated {generated}: holds the files of `seisdiff sample --format sac|mseed|at2`, "
                        "not a store; give a store: run that `sample` again with --format zarr (the default) and "
                        "another --out (the same --seed gives the same records)")


def _against_gmm(args) -> int:
    """`evaluate --gmm`: the stations of --generated against a ground-motion model (`seisdiff.evaluate.gmm`)."""
    from pathlib import Path

    from seisdiff.errors import UserError
    from seisdiff.dsp import bssa14
    from seisdiff.evaluate.gmm import PERIODS_S, compare

    if str(args.generated).startswith("baseline:") or not Path(args.generated).exists():
        raise UserError(f"--generated {args.generated}: with --gmm give a store or a station grid (a `seisdiff "
                        "sample` output, a `preprocess` store)")
    _refuse_files_folder(args.generated)
    for flag, value in (("--seed", args.seed), ("--baseline-kappa", args.baseline_kappa)):
        if value is not None:
            raise UserError(f"{flag} {value}: sets the stochastic baseline of a comparison with --real; --gmm compares "
                            "with a ground-motion model, no baseline: drop it")
    if args.point_source and args.src:
        raise UserError(f"--point-source and --src {args.src}: give one of them (a point source, or the rupture of "
                        "--src)")
    if not 150 <= args.vs30 <= 1500:
        raise UserError(f"--vs30 {args.vs30:g}: give a Vs30 in m/s within BSSA14's 150–1500")
    periods_s = PERIODS_S
    if args.periods:
        lo_s, hi_s = bssa14.psa_period_range_s()
        if not all(lo_s <= t <= hi_s for t in args.periods):
            raise UserError(f"--periods {' '.join(f'{t:g}' for t in args.periods)}: with --gmm bssa14 give PSA "
                            f"periods within the model's {lo_s:g}–{hi_s:g} s (PGA is always compared)")
        periods_s = (0.0,) + tuple(sorted(set(args.periods)))
    result = compare(args.generated, args.out, args.gmm, periods_s=periods_s, vs30_default_mps=args.vs30,
                     hypocenter=args.hypocenter, magnitude=args.magnitude,
                     source=False if args.point_source else args.src, max_stations=args.max_records)
    print(f"{result['n_stations']} stations against {result['gmm']} ({result['distance']}); residual "
          f"ln(observed/predicted):")
    fmt = lambda value, spec: "—" if value is None else format(value, spec)      # a statistic of one station: none
    print(f"  PSA {result['band_s'][0]:g}–{result['band_s'][1]:g} s: bias {fmt(result['band_bias_ln'], '+.3f')}, sd "
          f"{fmt(result['band_sd_ln'], '.3f')} (the model's sigma {fmt(result['band_gmm_sigma_ln'], '.3f')}), "
          f"{fmt(None if result['band_within_1_sigma'] is None else 100 * result['band_within_1_sigma'], '.0f')} % "
          "within ±1 sigma")
    for line in result["warnings"]:
        print(f"  warning: {line}")
    if result["n_deeper_than_model_km"]:
        print(f"  warning: {result['n_deeper_than_model_km']} stations of an earthquake deeper than "
              f"{bssa14.MAX_HYPO_DEPTH_KM:g} km: BSSA14 is a "
              "shallow crustal model (an intraslab event is stronger than it predicts)")
    pga = result["periods_s"].index(0.0) if 0.0 in result["periods_s"] else None
    if pga is not None:
        print(f"  PGA: bias {fmt(result['bias_ln'][pga], '+.3f')}, sd {fmt(result['sd_ln'][pga], '.3f')}")
    print(f"report: {Path(args.out) / 'report.md'} (metrics.json and figures beside it)")
    return 0
