"""Encoders for finished clips: Live Link Face CSV, JSON frames and a PNG plot (`formats.plot`).

Each module writes one format from an `AnimationClip` and, where the format can hold a clip,
reads it back, so every encoder is tested by a round trip. The plot module is not imported here
because it loads matplotlib, which servers that only stream curves do not need.
"""
from fantasy_talking.formats.json_frames import read_json_frames, write_json_frames
from fantasy_talking.formats.livelink_csv import read_livelink_csv, write_livelink_csv

__all__ = ["read_json_frames", "read_livelink_csv", "write_json_frames", "write_livelink_csv"]
