"""Storage: the only code that imports pynamodb or talks to S3. Returns plain data, raises domain errors."""
