"""Landmarks from MediaPipe.

The models (holistic), where they look (facecrop), how often (pipeline), the worker
processes that run them (workers) and a first glance at the picture (glance).

This package imports nothing: each module is imported by name.
"""
