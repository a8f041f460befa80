"""The media pipeline: probe, plan the ladder, run ffmpeg, posters and storyboards.

Knows nothing of Flask or the database: it turns a local file into a folder of outputs.
"""
