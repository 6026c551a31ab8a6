"""The JMAP server proper: limits, capabilities, session and API request handling for a principal."""
