"""Benchmarks behind `make bench`: each module times one thing and prints figures."""
