"""Statistics views, charts and the transparency report (aggregates only)."""
