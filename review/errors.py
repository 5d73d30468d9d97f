"""Errors the command line turns into one clear line and a non-zero exit."""


class ReviewError(Exception):
    """Base of the errors `review` reports to the user without a traceback."""

    exit_code = 1


class InputError(ReviewError):
    """The user gave something `review` cannot use (missing file, not a video, bad option)."""

    exit_code = 2


class AnalysisError(ReviewError):
    """The analysis could not be carried out on a valid input."""

    exit_code = 1
