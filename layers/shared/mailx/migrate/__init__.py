"""Moving mail in and out of an account: sources (mbox, Maildir, IMAP, JMAP), the mailx sink, export.

Everything here runs on the operator's machine, inside the `mailx` command; it talks to the service
only through its HTTP APIs (JMAP with a management-issued Bearer token), as any client would.
"""
