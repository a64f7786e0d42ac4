"""`seisdiff verify STORE`: ranges, PGA distribution, band-limits, NaNs; exit 0 only at physical scale."""
HELP = "check a store's scale: ranges, PGA, lowpass band-limit, NaN; exit 0 only when physical"


def add_arguments(p):
    p.add_argument("store", help="store made by `seisdiff preprocess`")


def run(args) -> int:
    from seisdiff.preprocess.verify import verify_store

    verdict = verify_store(args.store)
    print("\n".join(verdict.lines))
    for problem in verdict.problems:
        print(f"PROBLEM: {problem}")
    print("VERDICT: scale is physical (m/s²)" if verdict.physical else "VERDICT: scale is NOT physical")
    return 0 if verdict.physical else 1
