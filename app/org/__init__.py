"""The organisation: tenants, queues, teams and agents."""
