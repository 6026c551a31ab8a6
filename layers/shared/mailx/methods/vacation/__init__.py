"""JMAP VacationResponse methods (RFC 8621 §8); server/registry.py lists them."""
