"""Authentication and authorisation: API keys (and, later, users, roles and team scopes)."""
