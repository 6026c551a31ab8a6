"""JMAP Thread methods (RFC 8621 §3); server/method_table.py lists them."""
