"""Loaded by the test suite's subprocesses (their PYTHONPATH has this folder; see conftest.py).

While a test that is not marked ``integration`` runs, REVIEW_TEST_NO_MEDIAPIPE names it and
REVIEW_TEST_NO_MEDIAPIPE_LOG a file: importing ``mediapipe`` in a process the test started
is written there and refused, so the test fails until it is marked.
"""

import os
import sys

if os.environ.get("REVIEW_TEST_NO_MEDIAPIPE"):

    class _NoMediaPipe:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "mediapipe" and not name.startswith("mediapipe."):
                return None
            test = os.environ["REVIEW_TEST_NO_MEDIAPIPE"]
            with open(os.environ["REVIEW_TEST_NO_MEDIAPIPE_LOG"], "a") as log:
                log.write(f"{test}\n")
            raise ImportError(f"{test} is not marked integration but imports {name}")

    sys.meta_path.insert(0, _NoMediaPipe)
