"""Pure RFC 8620 protocol layer: request parsing, errors, references, dispatch and standard methods.

Nothing here imports AWS, storage or web-framework code, so it imports and tests in milliseconds.
"""
