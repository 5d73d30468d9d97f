"""Presenting results.

The verdicts' words, the figures, report.html, review.html, the key-moment stills and
the annotated video; the comparison page.

This package imports nothing: each module is imported by name.
"""
