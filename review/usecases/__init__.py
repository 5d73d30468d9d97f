"""What a user does with review, as calls the CLI and a notebook share.

Analyse to a folder and compare (to_folder), many recordings (batch), load what a
command is given (inputs), record an answer (record), evaluate the detectors (evaluation).

This package imports nothing: each module is imported by name.
"""
