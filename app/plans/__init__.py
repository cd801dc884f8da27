"""Plans: targets per metric, scope and period in three scenarios (minimum, standard, maximum)."""
