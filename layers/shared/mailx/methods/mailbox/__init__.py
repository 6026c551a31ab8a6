"""JMAP Mailbox methods (RFC 8621 §2); server/method_table.py lists them."""
