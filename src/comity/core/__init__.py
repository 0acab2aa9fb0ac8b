"""Core: settings, database, audit chain, errors shared by every domain."""
