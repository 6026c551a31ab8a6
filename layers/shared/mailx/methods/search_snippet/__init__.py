"""JMAP SearchSnippet methods (RFC 8621 §5); server/registry.py lists them."""
