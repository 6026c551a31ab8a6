"""Full-text search, the pure part: folding, tokens, query parsing, matching and the index's byte codecs."""
