"""Benchmarks for mailx, run on demand with `python -m bench` (figures printed, call counts checked)."""
