"""JMAP Email methods (RFC 8621 §4); server/registry.py lists them."""
