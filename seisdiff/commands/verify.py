"""`seisdiff verify STORE`: ranges, PGA against BSSA14 (or a median-PGA window), band-limits, NaNs; exit 0 only at
physical scale."""
HELP = "check a store's scale: ranges, PGA vs BSSA14, lowpass band-limit, NaN; exit 0 only when physical"


def add_arguments(p):
    p.add_argument("store", help="store made by `seisdiff preprocess`")
    p.add_argument("--pga-range", type=float, nargs=2, default=None, metavar=("LO", "HI"),
                   help="plausible median PGA of the set, m/s² (default 0.05 30); judges only when fewer than 10 "
                        "records have magnitude and distance for BSSA14, else advisory")
    p.add_argument("--no-gmm", action="store_true",
                   help="judge by the median-PGA window even where BSSA14 could (a set it does not describe: deep "
                        "slab or stable-continent earthquakes); its comparison is printed as advice")


def run(args) -> int:
    from seisdiff.errors import UserError
    from seisdiff.preprocess.verify import PHYSICAL_MEDIAN_PGA_MPS2, verify_store

    if args.pga_range and not 0 < args.pga_range[0] < args.pga_range[1]:
        raise UserError(f"--pga-range {args.pga_range[0]:g} {args.pga_range[1]:g}: give 0 < LO < HI in m/s²")
    verdict = verify_store(args.store, tuple(args.pga_range or PHYSICAL_MEDIAN_PGA_MPS2), use_gmm=not args.no_gmm)
    print("\n".join(verdict.lines))
    for problem in verdict.problems:
        print(f"PROBLEM: {problem}")
    print("VERDICT: scale is physical (m/s²)" if verdict.physical else "VERDICT: scale is NOT physical")
    return 0 if verdict.physical else 1
