"""The pure core: the hook model, typed events, topology, lessons, the grader.

Nothing here touches the kernel, starts a program or opens a socket; the
kernel side (``visualizer.lab``) and the web layer both build on it.
"""
