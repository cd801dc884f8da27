"""Planned shifts per agent and how they were kept: lateness, absence, early leave, adherence."""
