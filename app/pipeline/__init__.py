"""The sales pipeline's settings: stall limits per pipeline and stage."""
