"""Colorize a whole archive: ``python -m core batch SRC DST`` (no Streamlit; Ray only for ``--engine ray``).

* :mod:`core.batch.plan`: the photos of SRC (a folder tree or a list file), where each one's result goes,
  and what an earlier run already did (the resume rules);
* :mod:`core.batch.manifest`: ``DST/manifest.csv``, one row per photo, appended and flushed row by row;
* :mod:`core.batch.worker`: one photo (the same :func:`core.pipeline.process` and ``encode`` as ``colorize``) and
  the worker class that loads the model once;
* :mod:`core.batch.local` (a process pool) and :mod:`core.batch.ray_engine` (Ray Data) run the workers;
* :mod:`core.batch.runner`: the driver that turns their results into manifest rows, progress and a summary.
"""
