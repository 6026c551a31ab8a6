"""Authentication: passwords, Bearer tokens, Basic credentials and brute-force throttling."""
