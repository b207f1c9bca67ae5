"""Pieces of tools/eval_lipsync.py: truths (video, TTS), predictors (ours and baselines) and metrics."""
