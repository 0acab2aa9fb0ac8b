"""Request dossiers: grouping, templates, rendering in several formats and languages."""
