"""`seisdiff train` — not available yet (see its issue)."""
HELP = "train (not available yet)"


def add_arguments(p):
    p.add_argument("rest", nargs="*", help="arguments (not available yet)")


def run(args) -> int:
    print("seisdiff train: not available yet in this version.")
    return 2
