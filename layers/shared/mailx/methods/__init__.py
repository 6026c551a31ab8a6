"""JMAP methods: one module per method, the only place where protocol meets storage."""
