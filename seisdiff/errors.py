"""Errors a user can fix. The CLI prints them as one line (what, where, what to do), no traceback."""


class UserError(Exception):
    """A problem the user can fix: bad arguments, missing files, mismatched checkpoints."""


class InputError(UserError):
    """One input file cannot be used. `path` and `reason` go to the skip report; the run goes on."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
