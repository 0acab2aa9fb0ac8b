"""`python -m comity` runs the command line."""

from comity.cli.main import main

main()
