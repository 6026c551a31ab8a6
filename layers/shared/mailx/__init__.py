"""mailx: a small JMAP (RFC 8620/8621) mail server for AWS — the shared package every function imports."""
