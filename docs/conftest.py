"""pytest in docs/: the ``>>>`` examples of the pages are doctests; the Sphinx configuration and
extensions are not test modules (they need the docs extra)."""

collect_ignore = ["conf.py", "_ext", "_build", "jupyter_execute"]
