"""Benchmarks behind `make bench`: each module times one thing and prints figures.

Each dataset's benchmarks (its generator's speed, its reference solution's) are named by its
registry entry; :mod:`.measure` holds what the EDA ones share, and ``__main__`` runs them all
in order.
"""
