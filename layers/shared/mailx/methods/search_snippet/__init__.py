"""JMAP SearchSnippet methods (RFC 8621 §5); server/method_table.py lists them."""
