"""JMAP Identity methods (RFC 8621 §6); server/registry.py lists them."""
