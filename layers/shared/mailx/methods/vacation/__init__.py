"""JMAP VacationResponse methods (RFC 8621 §8); server/method_table.py lists them."""
