"""Articulation: speech features → the physical middle layer (jaw, lip seal, rounding, …).

Sits between `audio` (features) and `animation` (curves, frames): it imports the former and is
imported by the latter, never the other way round.
"""
