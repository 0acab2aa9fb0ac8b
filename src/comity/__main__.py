"""`python -m comity` runs the command line."""

from comity.cli.main import app

app(prog_name="comity")
