"""`seisdiff simulate` — a corpus of stochastic accelerograms (Boore 2003), as AT2 files or a store."""
import json
from pathlib import Path

from seisdiff.commands import positive_float
from seisdiff.io.atomic import write_text_atomic

AT2_SETTINGS = "simulation.json"   # an AT2 folder's settings (a store keeps them in its attributes)

HELP = "simulate stochastic accelerograms (Boore 2003) into AT2 files (g) or a store (m/s²)"

BAND_HZ = (0.1, 30.0)
BATCH_RECORDS = 64  # records per store commit


def add_arguments(p):
    p.add_argument("--out", required=True, help="output folder (AT2 + metadata.csv) or STORE.zarr")
    p.add_argument("--n", type=int, default=100, help="number of records (default 100)")
    p.add_argument("--magnitude", type=float, nargs=2, default=(5.0, 7.5), metavar=("MIN", "MAX"),
                   help="Mw range, uniform (default 5 7.5; the simulator covers 4–8)")
    p.add_argument("--distance-km", type=float, nargs=2, default=(10.0, 200.0), metavar=("MIN", "MAX"),
                   help="rupture distance range in km, log-uniform (default 10 200; covers 1–300)")
    p.add_argument("--vs30", type=float, nargs=2, default=(250.0, 760.0), metavar=("MIN", "MAX"),
                   help="Vs30 range in m/s, log-uniform (default 250 760; covers 150–1500)")
    p.add_argument("--kappa0", type=float, nargs=2, default=(0.04, 0.04), metavar=("MIN", "MAX"),
                   help="site κ0 range in s, log-uniform (default 0.04 0.04; covers 0.005–0.15)")
    p.add_argument("--fs", type=positive_float, default=100.0, help="sampling rate in Hz (default 100)")
    p.add_argument("--duration-s", type=positive_float, default=81.92, help="record length in s (default 81.92)")
    p.add_argument("--components", type=int, choices=(1, 3), default=1,
                   help="1: one horizontal; 3: two horizontals and a vertical (default 1)")
    p.add_argument("--wave-trains", action="store_true",
                   help="P, S and late low-frequency trains instead of one envelope for every frequency: the "
                        "high band starts with the P wave and ends before the low band, as in real records "
                        "(same expected spectrum; simulate/stochastic.py)")
    p.add_argument("--seed", type=int, default=0, help="random seed; same seed, same corpus (default 0)")
    p.add_argument("--format", choices=("at2", "zarr"), default=None,
                   help="output format (default: zarr when --out ends in .zarr, else at2)")
    p.add_argument("--lowpass-hz", type=positive_float, default=1.0,
                   help="store only: cutoff of the stored low-pass signal in Hz (default 1.0)")


def _check(args):
    from seisdiff.errors import UserError
    from seisdiff.simulate.stochastic import DISTANCE_KM_RANGE, KAPPA0_S_RANGE, MAGNITUDE_RANGE, VS30_MPS_RANGE

    if args.n < 1:
        raise UserError(f"--n {args.n}: ask for at least one record")
    if args.seed < 0:
        raise UserError(f"--seed {args.seed}: give a whole number ≥ 0")
    for flag, (lo, hi), (lo_ok, hi_ok) in (("--magnitude", args.magnitude, MAGNITUDE_RANGE),
                                          ("--distance-km", args.distance_km, DISTANCE_KM_RANGE),
                                          ("--vs30", args.vs30, VS30_MPS_RANGE),
                                          ("--kappa0", args.kappa0, KAPPA0_S_RANGE)):
        if not lo_ok <= lo <= hi <= hi_ok:
            raise UserError(f"{flag} {lo:g} {hi:g}: give MIN ≤ MAX inside [{lo_ok:g}, {hi_ok:g}]")
    if not args.fs > 0 or not args.duration_s > 0:
        raise UserError(f"--fs {args.fs:g} / --duration-s {args.duration_s:g}: give positive numbers")
    if args.format == "zarr" and not 0 < args.lowpass_hz < BAND_HZ[1]:
        raise UserError(f"--lowpass-hz {args.lowpass_hz:g}: give a crossover inside the stored "
                        f"{BAND_HZ[0]:g}–{BAND_HZ[1]:g} Hz band (1 Hz: a simulation's valid band)")
    if args.format == "zarr" and args.fs <= 2 * BAND_HZ[1]:
        raise UserError(f"--fs {args.fs:g}: a store holds the {BAND_HZ[0]:g}–{BAND_HZ[1]:g} Hz band, "
                        f"so the sampling rate must exceed {2 * BAND_HZ[1]:g} Hz")


def run(args) -> int:
    from tqdm import tqdm

    from seisdiff.simulate.corpus import simulate_corpus, write_at2_corpus

    args.format = args.format or ("zarr" if str(args.out).rstrip("/").endswith(".zarr") else "at2")
    _check(args)
    n_samples = int(round(args.duration_s * args.fs))
    corpus = dict(n_records=args.n, magnitude_range=tuple(args.magnitude),
                  distance_km_range=tuple(args.distance_km), vs30_range=tuple(args.vs30),
                  kappa0_range_s=tuple(args.kappa0),
                  fs_hz=args.fs, n_samples=n_samples, seed=args.seed, n_components=args.components)
    if args.wave_trains:   # only when asked: stores simulated before the option existed stay resumable
        corpus["wave_trains"] = True
    if args.format == "at2":
        settings = _at2_settings(args.out, corpus)
        # the settings before the files: a run stopped midway leaves files a re-run with them may complete
        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_text_atomic(Path(args.out) / AT2_SETTINGS, json.dumps(settings, indent=1) + "\n")
        records = tqdm(simulate_corpus(**corpus), total=args.n, unit="rec", desc="simulate", disable=None)
        paths = write_at2_corpus(args.out, records)
        print(f"wrote {len(paths)} AT2 files (g) and metadata.csv to {args.out}")
        return 0
    return _run_store(args, corpus, n_samples)


def _simulation(corpus: dict) -> dict:
    """What a simulated corpus is made with (its method, the method's version, the scenario; not its size): a
    store's `simulation` attribute, an AT2 folder's AT2_SETTINGS."""
    from seisdiff.simulate.stochastic import METHOD_VERSION

    return {"method": "stochastic point source, Boore (2003)", "version": METHOD_VERSION,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in corpus.items() if k != "n_records"}}


def _changes(stored: dict, asked: dict) -> str:
    """'key stored → asked, …' for the entries of `asked` that `stored` holds otherwise ('' when none)."""
    return ", ".join(f"{k} {stored.get(k)} → {v}" for k, v in asked.items() if stored.get(k) != v)


def _at2_settings(out, corpus: dict) -> dict:
    """The settings of an AT2 run into folder `out` (AT2_SETTINGS): UserError when the folder holds the AT2
    files of a run with other settings, or of one that recorded none: record i of two runs is another
    earthquake under the same event id (SIMEV…), so their files and metadata.csv rows would mix two corpora."""
    from seisdiff.errors import UserError

    settings = _simulation(corpus)
    folder = Path(out)
    try:
        found = json.loads((folder / AT2_SETTINGS).read_text())
    except FileNotFoundError:
        found = None
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder / AT2_SETTINGS}: unreadable ({exc}); delete the folder or use another --out")
    if found is None:
        if folder.is_dir() and any(folder.glob("SIM*.AT2")):
            raise UserError(f"{out}: holds simulated AT2 files of a run that recorded no settings; another run "
                            "would mix two corpora under the same event ids: delete them or use another --out")
        return settings
    changed = _changes(found, settings)
    if changed:
        raise UserError(f"{out}: holds AT2 files simulated with other settings ({changed}); another run would mix "
                        "two corpora under the same event ids: use another --out or the same settings")
    return settings


def _run_store(args, corpus, n_samples) -> int:
    import numpy as np
    from tqdm import tqdm

    from seisdiff.dsp import bandpass, lowpass
    from seisdiff.errors import UserError
    from seisdiff.io.store import create_store
    from seisdiff.simulate.corpus import DISTANCE_KIND, record_id, simulate_corpus
    from seisdiff.simulate.stochastic import METHOD_VERSION

    simulation = _simulation(corpus)
    scenario = {k: v for k, v in simulation.items() if k not in ("method", "version")}
    writer = create_store(args.out, sampling_rate_hz=args.fs, length=n_samples,
                          n_channels=args.components, lowpass_hz=args.lowpass_hz, band_hz=BAND_HZ,
                          producer="seisdiff simulate", extra_attrs={"simulation": simulation})
    _check_version(args.out, writer.attrs.get("simulation"), METHOD_VERSION)
    # wave_trains is written only when asked: absent means one envelope, in stores from before the option too
    stored = {"wave_trains": False, **{k: v for k, v in writer.attrs.get("simulation", {}).items()
                                       if k not in ("method", "version")}}
    asked = {"wave_trains": False, **scenario}
    changed = _changes(stored, asked)
    if changed:
        raise UserError(f"{args.out}: existing store was simulated with other options ({changed}); "
                        "use another --out or the same options")
    existing = writer.existing_ids
    records = simulate_corpus(**corpus, skip_ids=existing)
    todo = sum(1 for i in range(args.n) if record_id(i) not in existing)
    batch = []

    def commit():
        broadband = bandpass(np.stack([r["acc_mps2"] for r in batch]), args.fs, *BAND_HZ)
        low = lowpass(broadband, args.fs, args.lowpass_hz)
        writer.append(broadband=broadband, lowpass=low, record_ids=[r["record_id"] for r in batch],
                      columns={"magnitude": np.array([r["magnitude"] for r in batch]),
                               "distance_km": np.array([r["distance_km"] for r in batch]),
                               "distance_kind": np.full(len(batch), DISTANCE_KIND),
                               "vs30_mps": np.array([r["vs30_mps"] for r in batch]),
                               "site_kappa0_s": np.array([r["site_kappa0_s"] for r in batch]),
                               "event": np.array([r["event"] for r in batch])})
        batch.clear()

    for rec in tqdm(records, total=todo, unit="rec", desc="simulate", disable=None):
        batch.append(rec)
        if len(batch) == BATCH_RECORDS:
            commit()
    if batch:
        commit()
    print(f"{args.out}: {len(writer)} records ({todo} simulated now), m/s², "
          f"band {BAND_HZ[0]:g}–{BAND_HZ[1]:g} Hz, low-pass {args.lowpass_hz:g} Hz")
    return 0


def _check_version(out, simulation: dict | None, version: int) -> None:
    """UserError when the store at `out` was begun by another version of the simulation method (absent: 1,
    before the version was recorded): resuming it would mix records the two make differently."""
    from seisdiff.errors import UserError

    found = simulation.get("version", 1) if simulation is not None else version
    if found != version:
        raise UserError(f"{out}: existing store was simulated by version {found} of the simulation method, this is "
                        f"version {version} (from 2 on, records shorter than the motion hold only their window's "
                        "share of its energy); resuming would mix both: delete the store or use another --out")
