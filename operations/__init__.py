"""Commands for operating a running pipeline: search, trace, the dead-letter queue, reconcile,
invoke and watch. Depends on ``settings``, ``lifecycle`` and ``bootstrap``."""
