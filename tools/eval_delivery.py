"""Delivery measures against the exact truth of tools/make_speech.py's clips.

Per clip: speech agreement (balanced accuracy of speech / no speech every 10 ms), long pauses
found (a true pause of at least LONG_PAUSE_S is found when a detected long pause has both
edges within EDGE_S of it; precision is the share of detected long pauses that match a true
one), the mean edge error of the matches, and the speaking rate's error (syllables a minute
of the answer, percent of the truth). Then the mean over the tuning clips, over the
held-out clips (the constants were chosen on the tuning clips only: ``--grid`` prints what
the grid of intensity window x minimum dip gives on them) and over the real recordings
labelled by hand (``sample_videos/speech_real``, no constant chosen on them).

Usage: python tools/eval_delivery.py [--clips DIR ...] [--grid] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from review.detectors import delivery, prosody, vad  # noqa: E402
from review.media import audio  # noqa: E402

#: A detected pause edge this close to the true one counts, seconds.
EDGE_S = 0.3
STEP_S = 0.01


def _mask(spans: list[list[float]], n: int) -> np.ndarray:
    t = np.arange(n) * STEP_S
    m = np.zeros(n, dtype=bool)
    for a, b in spans:
        m |= (t >= a) & (t < b)
    return m


def score(truth: dict, found: delivery.Delivery) -> dict[str, float]:
    n = int(truth["duration_s"] / STEP_S)
    true_speech = _mask(truth["speech"], n)
    got = _mask([[s.start_s, s.end_s] for s in found.speech], n)
    yes = float(np.mean(got[true_speech]))
    no = float(np.mean(~got[~true_speech]))
    true_long = [p for p in truth["pauses"] if p[1] - p[0] >= delivery.LONG_PAUSE_S]
    got_long = [[p.start_s, p.end_s] for p in found.long_pauses]
    errors, matched = [], set()
    for a, b in true_long:
        for j, (c, d) in enumerate(got_long):
            if j not in matched and abs(a - c) <= EDGE_S and abs(b - d) <= EDGE_S:
                matched.add(j)
                errors += [abs(a - c), abs(b - d)]
                break
    rate = found.syllables_per_min
    truth_rate = truth["syllables_per_min"]
    return {
        "speech_balanced": (yes + no) / 2,
        "long_recall": len(matched) / len(true_long) if true_long else float("nan"),
        "long_precision": len(matched) / len(got_long) if got_long else float("nan"),
        "edge_error_s": float(np.mean(errors)) if errors else float("nan"),
        "rate": float("nan") if rate is None else rate,
        "truth_rate": truth_rate,
        "rate_error_pct": float("nan") if rate is None else 100 * (rate - truth_rate) / truth_rate,
        "pitch_sd_st": float("nan") if found.pitch_sd_st is None else found.pitch_sd_st,
    }


SPLITS = ("tune", "held_out", "real")


def load(folders: list[Path]) -> list[tuple[str, dict, audio.Sound, tuple[np.ndarray, float]]]:
    out = []
    for clips in folders:
        truth = json.loads((clips / "truth.json").read_text())
        for name, t in truth.items():
            sound = audio.read_sound(clips / name)
            assert sound is not None, name
            out.append((name, t, sound, vad.speech_probability(sound.samples, sound.rate)))
    return out


def evaluate(items: list) -> list[tuple[str, str, dict[str, float]]]:
    rows = []
    for name, t, sound, (prob, hop) in items:
        found = delivery.measure(sound.samples, sound.rate, prob, hop, sound.start_s)
        rows.append((name, t["split"], score(t, found)))
    return rows


def _mean(values: list[float]) -> float:
    """The mean of the values that are not NaN (NaN when none is: no long pause to find)."""
    known = [v for v in values if v == v]
    return float(np.mean(known)) if known else float("nan")


def summary(rows: list, split: str) -> dict[str, float]:
    chosen = [r for _n, s, r in rows if s == split]
    keys = ["speech_balanced", "long_recall", "long_precision", "edge_error_s"]
    out = {k: _mean([r[k] for r in chosen]) for k in keys}
    errors = np.array([r["rate_error_pct"] for r in chosen])
    out["rate_abs_error_pct"] = float(np.nanmean(np.abs(errors)))
    out["rate_worst_error_pct"] = float(errors[np.nanargmax(np.abs(errors))])
    out["min_speech_balanced"] = float(np.min([r["speech_balanced"] for r in chosen]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips",
        type=Path,
        nargs="+",
        default=[ROOT / "sample_videos" / "speech", ROOT / "sample_videos" / "speech_real"],
    )
    parser.add_argument("--grid", action="store_true", help="the tuning grid, tuning clips only")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args()
    items = load(args.clips)
    if args.grid:
        tune = [i for i in items if i[1]["split"] == "tune"]
        print("band       voiced<  window_ms  min_dip_db  rate |error| %  worst %  (tuning clips)")
        for band in (None, (300.0, 3000.0)):
            for voiced in (0.15, 0.35, 0.5):
                for window in (0.04, 0.05, 0.064, 0.08, 0.1):
                    for dip in (1.0, 2.0, 3.0):
                        prosody.SYLLABLE_BAND_HZ, prosody.VOICED_BELOW = band, voiced
                        prosody.INTENSITY_WINDOW_S, prosody.MIN_DIP_DB = window, dip
                        s = summary(evaluate(tune), "tune")
                        print(
                            f"{str(band):10} {voiced:7.2f}  {window * 1000:9.0f}  {dip:10.1f}  "
                            f"{s['rate_abs_error_pct']:14.1f}  {s['rate_worst_error_pct']:+7.1f}"
                        )
        return
    rows = evaluate(items)
    print(
        f"{'clip':26} {'split':8} {'speech':>6} {'long R':>6} {'long P':>6} {'edge s':>6} "
        f"{'rate':>6} {'truth':>6} {'err %':>6} {'pitch st':>8}"
    )
    for name, split, r in rows:
        print(
            f"{name.rsplit('.', 1)[0][:26]:26} {split:8} {r['speech_balanced']:6.3f} "
            f"{r['long_recall']:6.2f} {r['long_precision']:6.2f} {r['edge_error_s']:6.3f} "
            f"{r['rate']:6.0f} {r['truth_rate']:6.0f} {r['rate_error_pct']:+6.1f} "
            f"{r['pitch_sd_st']:8.2f}"
        )
    result = {
        split: summary(rows, split) for split in SPLITS if any(s == split for _n, s, _r in rows)
    }
    for split, s in result.items():
        print(
            f"{split:8}: speech agreement {s['speech_balanced']:.3f} (worst "
            f"{s['min_speech_balanced']:.3f}), long pauses recall {s['long_recall']:.2f} "
            f"precision {s['long_precision']:.2f}, edge error {s['edge_error_s']:.3f} s, "
            f"rate error {s['rate_abs_error_pct']:.1f} % mean |.| "
            f"(worst {s['rate_worst_error_pct']:+.1f} %)"
        )
    if args.json:
        args.json.write_text(json.dumps({"clips": rows, "summary": result}, indent=1) + "\n")


if __name__ == "__main__":
    main()
