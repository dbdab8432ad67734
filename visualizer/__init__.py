"""Netfilter Visualizer: the Django app.  The kernel-facing engine is ``visualizer.lab``."""
