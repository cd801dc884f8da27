"""Authentication and authorisation: API keys, users and roles, browser sessions, personal
access tokens, login throttling, and the access policy (which teams and agents a caller sees)."""
