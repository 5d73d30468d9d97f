"""The detectors: pure functions of landmark and sound arrays.

One habit or measure per module; no files, no MediaPipe, no drawing.

This package imports nothing: each module is imported by name.
"""
