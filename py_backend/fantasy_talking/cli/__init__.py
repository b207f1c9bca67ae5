"""The `ftalk` command line: thin front ends over the pipeline."""
