"""Plain helpers the tests share: no fixtures (those live in conftest.py files) and no tests.

Test modules import from here, never from one another, so moving or deleting one test file breaks no other.
"""
