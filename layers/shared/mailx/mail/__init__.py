"""Mail domain shared by every function: ingest (the one path into a mailbox) and threading."""
