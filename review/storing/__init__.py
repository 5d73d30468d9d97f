"""Storing results.

Results folders (summary.json, frames.csv, landmarks.npz), their manifests (folders)
and the history database (history).

This package imports nothing: each module is imported by name.
"""
