"""Parsing our own source for the structure tests, in a thread of its own.

CPython 3.11 can raise `SystemError: AST constructor recursion depth mismatch` from ast.parse in a
thread whose recursion counters an earlier RecursionError left off (a test of deeply nested input
runs before in the same worker). A new thread starts with fresh counters, so the check never depends
on which tests ran before it.
"""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor


def parse_source(source: str, filename: str = "<unknown>") -> ast.Module:
    """ast.parse(SOURCE) in a fresh thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(ast.parse, source, filename).result()
