"""The legal knowledge base and the dual-criminality engine."""
