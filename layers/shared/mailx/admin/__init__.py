"""Administration: the operations behind /v0/management and the `mailx` command."""
