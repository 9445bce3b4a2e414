"""Benchmarks: `make bench` prints figures and writes them to build/bench.json."""
