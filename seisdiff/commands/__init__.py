"""One module per CLI command: HELP, add_arguments(parser), run(args) -> exit code."""


def _int_at_least(text: str, minimum: int, meaning: str) -> int:
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{value} must be {meaning}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1 (a count of epochs, records, samples, steps, …)."""
    return _int_at_least(text, 1, "at least 1")


def nonnegative_int(text: str) -> int:
    """argparse type: an integer ≥ 0 (a random seed: numpy's SeedSequence refuses negative ones)."""
    return _int_at_least(text, 0, "0 or more")


def positive_float(text: str) -> float:
    """argparse type: a number > 0 (a rate in Hz, a learning rate, minutes, …)."""
    import argparse
    import math
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{value:g} must be a positive number")
    return value
