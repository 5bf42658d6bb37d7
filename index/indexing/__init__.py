"""Building the index: from the corpus to a published generation (``builder``),
reading files in worker processes (``workers``) and computing vectors on a
Dask cluster (``cluster``)."""
