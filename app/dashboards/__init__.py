"""Dashboards: named grids of configured widgets, per tenant, shared by team, and the display
links that show one dashboard on a TV nobody logs in to."""
