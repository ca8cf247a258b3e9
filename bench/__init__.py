"""Benchmarks (``make bench``); figures go in closing notes, never in timed test assertions."""
