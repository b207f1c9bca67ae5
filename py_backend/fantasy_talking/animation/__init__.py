"""Animation: visemes → ARKit-52 curves with coarticulation, non-verbal motion and bones."""
