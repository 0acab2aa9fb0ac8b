"""Hash exchange: export the hashes of approved items, import others' hash lists (issue 17)."""
