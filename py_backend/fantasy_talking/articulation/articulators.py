"""Articulators: the small, physical middle layer between speech and blendshapes.

Both speech paths (phones with times, or acoustic features) describe the mouth with these
ten numbers in [0, 1]; `pose.py` turns them into ARKit curves. Keeping the middle layer
physical (jaw, lip seal, rounding, …) is what lets coarticulation blend sounds sensibly.
"""
from __future__ import annotations

ARTICULATORS: tuple[str, ...] = (
    "open",        # jaw opening: follows vowel height
    "close",       # lip seal: 1 means the lips meet and press (p, b, m)
    "round",       # lip protrusion (u, w, o)
    "funnel",      # open rounding (o, sh, r)
    "spread",      # lip spreading (i, e, s)
    "tuck",        # lower lip under the upper teeth (f, v)
    "teeth",       # lips apart over nearly closed teeth (s, sh, ch)
    "tongue_tip",  # tip on the ridge behind the teeth (t, d, n, l)
    "tongue_back", # back of the tongue raised (k, g, ng)
    "tongue_out",  # tip between the teeth (th)
)
A = {name: i for i, name in enumerate(ARTICULATORS)}
N_ARTICULATORS = len(ARTICULATORS)
