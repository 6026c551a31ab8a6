"""JMAP Email methods (RFC 8621 §4); server/method_table.py lists them."""
