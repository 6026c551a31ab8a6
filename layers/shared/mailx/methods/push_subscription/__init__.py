"""JMAP PushSubscription methods (RFC 8620 §7.2); server/method_table.py lists them."""
