"""Intake: single reports and bulk imports of reported URLs."""
