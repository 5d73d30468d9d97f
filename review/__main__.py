"""``python -m review`` and the ``review`` command's entry point.

Nothing heavy is imported before the handler for Ctrl-C is in place: a Ctrl-C while the
modules load (the first second or so) ends the command with one line, not a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``review`` command."""
    try:
        from review.cli import main as command
    except KeyboardInterrupt:
        sys.stderr.write("review: interrupted; nothing was written.\n")
        sys.exit(130)
    command()


if __name__ == "__main__":
    main()
