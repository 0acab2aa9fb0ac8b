"""The `comity` command line: one Typer app, one sub-module per domain."""
