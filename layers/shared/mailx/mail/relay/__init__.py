"""Outbound relays behind one interface: Resend's HTTP API, Amazon SES raw sending, a local relay."""
