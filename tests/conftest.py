"""Shared fixtures: the sample clips, their labels, and one real analysis of each (cached)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
LABELS = SAMPLES / "labels.json"

_sessions: dict = {}


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
def analysed(analysed_path):
    """Real MediaPipe analysis of a sample clip by name, computed once per test run."""

    def get(name: str):
        return analysed_path(SAMPLES / name)

    return get
