"""The live metrics API: snapshots of scopes and windows, and the agent board."""
