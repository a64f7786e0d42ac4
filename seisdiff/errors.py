"""Errors a user can fix. The CLI prints them as one line (what, where, what to do), no traceback."""


class UserError(Exception):
    """A problem the user can fix: bad arguments, missing files, mismatched checkpoints."""


class InputError(UserError):
    """One input file cannot be used. `path` and `reason` go to the skip report; the run goes on."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def check_version(version, current: int, what: str, otherwise: str) -> int:
    """`version` when 1 ≤ version ≤ current (an int read from a file); else UserError `what` (e.g.
    "PATH: checkpoint version"): upgrade seisdiff for a newer one, `otherwise` for anything else."""
    if isinstance(version, int) and not isinstance(version, bool) and 1 <= version <= current:
        return version
    advice = "upgrade seisdiff to read it" if isinstance(version, int) and version > current else otherwise
    raise UserError(f"{what} {version!r} is not supported (this seisdiff reads 1 to {current}); {advice}")
