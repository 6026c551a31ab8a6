"""JMAP Mailbox methods (RFC 8621 §2); server/registry.py lists them."""
