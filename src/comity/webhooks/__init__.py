"""Outgoing webhooks: events an integrator waits for, signed, queued, retried, logged."""
