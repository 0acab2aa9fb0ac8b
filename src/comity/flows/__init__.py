"""Flows: multi-step work that spans domains (the demo pipeline, scheduled runs)."""
