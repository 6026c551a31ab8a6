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
# Octets of one header field value read for its parsed forms (Addresses, MessageIds, Text, ...), about
# 8,000 addresses; the rest of the field is still in its Raw form and in the message. And octets of
# parsed forms one `:all` property reads over all instances; later instances answer null. Address
# parsing costs ~1 s per MB, so a 40 MiB To field would take a minute and a gigabyte.
MAX_PARSED_FIELD_OCTETS = 256 * 1024
MAX_PARSED_ALL_OCTETS = 1024 * 1024
