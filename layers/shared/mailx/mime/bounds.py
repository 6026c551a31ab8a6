"""The structural bounds of MIME this server parses and composes (docs/security.md, "Resource bounds").

Each keeps work and the stored summary proportional to the message: without them a 3 MB message of
300,000 empty parts answered 111 MB, and a part tree nested 400 deep overflowed the stack.
"""

from __future__ import annotations

# Nesting of multipart/* containers. Real mail rarely passes 5; a deeper part is kept as one opaque
# leaf at the limit, so its octets stay downloadable.
MAX_MIME_DEPTH = 32
# Parts (containers and leaves) listed per message. Past it, the rest of the message is not split
# further: the last part read holds it, still downloadable with the whole message.
MAX_MIME_PARTS = 1_000
# Parameters read from one Content-Type or Content-Disposition field (RFC 2045 §5.1, RFC 2231
# continuations counted one by one); the rest are ignored.
MAX_MIME_PARAMETERS = 100
