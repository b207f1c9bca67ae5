"""Photo → engine-ready 3D head: landmarks, a fitted template, texture, ARKit morphs, skeleton, GLB."""
