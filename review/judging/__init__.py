"""Judging: the detectors' output gathered into a Session.

Every habit is defined once (habits); the reference (reference), the judging
(analysis), the result (session), and two sessions compared (compare).

This package imports nothing: each module is imported by name.
"""
