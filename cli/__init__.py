"""The one command line (``pipeline`` / ``python -m cli``): every Makefile target calls it."""
