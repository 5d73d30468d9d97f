"""Reading and writing media.

The recording's frames and sound, probed once; the one H.264 writer; atomic writes.

This package imports nothing: each module is imported by name.
"""
