"""JMAP EmailSubmission methods (RFC 8621 §7); server/method_table.py lists them."""
