"""Shared fixtures: the sample clips, their labels, and one real analysis of each (cached)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore new random examples on every run where they are developed; CI
# (.ci/run sets HYPOTHESIS_PROFILE=ci) runs the same examples each time, so a landing is not
# refused for an example no one has seen fail. A failure found while developing is kept as an
# ``@example`` in its test.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
LABELS = SAMPLES / "labels.json"

_sessions: dict = {}

# No MediaPipe outside the integration tier ----------------------------------------------------
#
# While a test that is not marked ``integration`` runs (its fixtures included), importing
# ``mediapipe`` is refused and fails the test: in this process through the finder below, in
# the processes it starts through tests/_guard/sitecustomize.py. So `pytest -m "not
# integration"` cannot drift into running MediaPipe. Once an integration test has loaded
# MediaPipe (in a full run) a later import is not seen here; the fast tier never loads it.

_GUARD = Path(__file__).resolve().parent / "_guard"
_GUARD_LOG = Path(os.devnull)  # a file in a temporary folder once pytest is configured
_guarded: list = []  # the running test's node id while it is guarded


class _NoMediaPipe:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if _guarded and (name == "mediapipe" or name.startswith("mediapipe.")):
            with open(_GUARD_LOG, "a") as log:
                log.write(f"{_guarded[0]}\n")
            raise ImportError(f"{_guarded[0]} is not marked integration but imports {name}")
        return None


def pytest_configure(config):
    global _GUARD_LOG
    _GUARD_LOG = Path(tempfile.mkdtemp(prefix="review-tests-")) / "mediapipe-imports.txt"
    sys.meta_path.insert(0, _NoMediaPipe)
    # The guard, and this checkout's review: a `python -m review` started from another
    # folder would otherwise import whichever copy is installed (an editable install of
    # another worktree), not the one these tests import.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_GUARD), str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    os.environ["REVIEW_TEST_NO_MEDIAPIPE_LOG"] = str(_GUARD_LOG)


def pytest_unconfigure(config):
    if _GUARD_LOG.name == "mediapipe-imports.txt":
        shutil.rmtree(_GUARD_LOG.parent, ignore_errors=True)


def _imports_seen(nodeid: str) -> bool:
    try:
        return nodeid in _GUARD_LOG.read_text().splitlines()
    except FileNotFoundError:
        return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if item.get_closest_marker("integration") is None:
        _guarded[:] = [item.nodeid]
        os.environ["REVIEW_TEST_NO_MEDIAPIPE"] = item.nodeid
    try:
        yield
    finally:
        _guarded.clear()
        os.environ.pop("REVIEW_TEST_NO_MEDIAPIPE", None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "teardown" and _guarded and _imports_seen(item.nodeid):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} imports mediapipe (here or in a process it started) but is not "
            "marked integration: mark it `@pytest.mark.integration`."
        )


@pytest.fixture(autouse=True)
def _history_db(tmp_path_factory, monkeypatch):
    """Every test records its history in a throw-away database, never the user's own."""
    monkeypatch.setenv("REVIEW_DB", str(tmp_path_factory.mktemp("history") / "history.sqlite3"))


@pytest.fixture(scope="session")
def sample():
    """Path of a sample clip by name."""

    def path(name: str) -> Path:
        p = SAMPLES / name
        assert p.exists(), f"missing sample clip {p}"
        return p

    return path


@pytest.fixture(scope="session")
def analysed_path():
    """Real MediaPipe analysis of a clip by path, computed once per test run."""
    import review

    def get(path: Path):
        key = str(Path(path).resolve())
        if key not in _sessions:
            _sessions[key] = review.analyse(path)
        return _sessions[key]

    return get


@pytest.fixture(scope="session")
def analysed_every_frame():
    """Real MediaPipe analysis of a clip by path with every frame analysed, once per run."""
    import review

    cache: dict = {}

    def get(path: Path):
        key = str(Path(path).resolve())
        if key not in cache:
            cache[key] = review.analyse(path, sample_hz=None)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def analysed(analysed_path):
    """Real MediaPipe analysis of a sample clip by name, computed once per test run."""

    def get(name: str):
        return analysed_path(SAMPLES / name)

    return get
