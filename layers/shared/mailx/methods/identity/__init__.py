"""JMAP Identity methods (RFC 8621 §6); server/method_table.py lists them."""
