"""Render-farm batch baking: many voice lines → every line's files, on all cores or on a Ray cluster.

    from fantasy_talking import bake
    report = bake("lines.csv", "baked/", formats="csv,json", jobs=8, language="en-US")
    print(report.summary())

`bake` (in `farm.bake`) reads the input (`farm.manifest`), checks and orders the lines
(`farm.plan`), runs them (`farm.pool` locally, `farm.cluster` on Ray), each line by `farm.job`
through the same pipeline and encoders as `ftalk animate` and `ftalk say`, and returns the
report (`farm.report`). `farm.storage` reads and writes local paths or fsspec URLs.
"""
from fantasy_talking.farm.bake import bake
from fantasy_talking.farm.report import BakeReport, LineResult

__all__ = ["BakeReport", "LineResult", "bake"]
