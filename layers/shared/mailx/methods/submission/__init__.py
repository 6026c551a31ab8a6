"""JMAP EmailSubmission methods (RFC 8621 §7); server/registry.py lists them."""
