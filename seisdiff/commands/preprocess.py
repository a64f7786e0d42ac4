"""`seisdiff preprocess INPUT… --out STORE.zarr`: raw accelerograms → Zarr store in m/s²."""
from seisdiff.commands import positive_float, positive_int

HELP = "raw records (AT2, miniSEED, SAC, K-NET, …) → a Zarr store at physical scale (m/s²)"


def add_arguments(p):
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files, folders or globs")
    p.add_argument("--out", required=True, help="output store (STORE.zarr); re-runs resume it")
    p.add_argument("--fs", type=positive_float, default=100.0, help="target sampling rate, Hz (default 100)")
    p.add_argument("--length", type=positive_int, default=4096, help="window length, samples (default 4096)")
    p.add_argument("--lowpass-hz", type=positive_float, default=1.0, help="conditioning low-pass cutoff, Hz (default 1)")
    p.add_argument("--band", type=float, nargs=2, default=(0.1, 30.0), metavar=("LO_HZ", "HI_HZ"),
                   help="broadband band-pass corners, Hz (default 0.1 30)")
    p.add_argument("--windows", type=positive_int, default=1, help="windows cut from each long record (default 1)")
    p.add_argument("--components", choices=["each", "3"], default="each",
                   help="'each': every trace a record (C=1); '3': three-component records (C=3)")
    p.add_argument("--metadata", nargs="+", metavar="CSV",
                   help="CSV(s) with magnitude, distance, Vs30 and κ keyed by record_id or RSN, per station (a station "
                        "list: 'station', 'network', sta_lat, sta_lon, vs30) or per event "
                        "(an 'event' column: e.g. each event's magnitude and hypocentre, hypo_lat, hypo_lon, "
                        "hypo_depth_km, which give the distance of records whose file knows only the station)")
    p.add_argument("--measure-kappa", action="store_true",
                   help="fill unknown kappa_s with the high-frequency decay κ measured on each broadband "
                        "window (for training stores; conditioning-only inputs have no high frequencies)")
    p.add_argument("--units", help="units of inputs that do not declare them (g, cm/s^2, m/s^2, …; "
                                   "with --quantity: m/s, cm/s, … or m, cm, …); in SAC files it overrules "
                                   "the header's idep")
    p.add_argument("--quantity", choices=["acceleration", "velocity", "displacement"],
                   help="what inputs that do not declare it hold (default acceleration); velocity and "
                        "displacement are differentiated once on reading (AT2 VELOCITY, SAC IVEL: from the file)")
    p.add_argument("--event-from", choices=["auto", "header", "folder"], default="auto",
                   help="each record's event (training splits by event): 'header' as the file names it, "
                        "'folder' the folder holding the file, 'auto' (default) the folder for files in event "
                        "subfolders of a folder given as INPUT, else the header")
    p.add_argument("--workers", type=positive_int, default=None, help="reader threads (default: cores, at most 4)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from seisdiff.errors import UserError
    from seisdiff.preprocess import PreprocessConfig, run_preprocess

    lo, hi = args.band
    if not (0 < lo < hi < args.fs / 2) or not (0 < args.lowpass_hz < hi):
        raise UserError(f"--band {lo} {hi} and --lowpass-hz {args.lowpass_hz} must satisfy "
                        f"0 < lo < hi < fs/2 = {args.fs / 2} and lowpass < hi")
    cfg = PreprocessConfig(sampling_rate_hz=args.fs, length=args.length, lowpass_hz=args.lowpass_hz,
                           band_hz=(lo, hi), windows=args.windows,
                           measure_kappa=args.measure_kappa)
    summary = run_preprocess(args.inputs, args.out, cfg, metadata_csv=args.metadata, units=args.units,
                             quantity=args.quantity, components=args.components, workers=args.workers,
                             progress=not args.quiet, event_from=args.event_from)
    print("\n".join(summary.lines()))
    print(f"report of skipped inputs: {args.out}/preprocess_report.csv")
    return 0 if summary.store_records > 0 else 1
