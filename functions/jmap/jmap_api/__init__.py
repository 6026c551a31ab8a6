"""FastAPI transport for the JMAP function: routes parse HTTP and call into mailx; no JMAP semantics here."""
