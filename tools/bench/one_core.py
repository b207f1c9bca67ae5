"""Import first in a per-core benchmark: one BLAS thread and this process pinned to one CPU.

It must run before numpy (or anything that loads a BLAS) is imported, since the thread-count
variables are read when the library loads; hence a module of its own, imported for its effect.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
