"""The console entry point imports only what the command asked for.

`comity --help` is built from `_COMMANDS`, a table of every top-level command's
domain and help; these tests keep it equal to what the domains really register,
and check that the help and a one-domain command leave the others unimported.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer
from typer.main import get_command

from comity.cli import main as cli_main


def test_the_command_table_is_what_the_domains_register_in_the_same_order() -> None:
    full = get_command(cli_main.build_app())
    assert isinstance(full, typer.core.TyperGroup)
    real = {name: c.get_short_help_str(limit=300) for name, c in full.commands.items()}
    table = {name: text for name, (_, text) in cli_main._COMMANDS.items()}
    assert list(real) == list(table)
    assert real == table
    for name, (module, _) in cli_main._COMMANDS.items():
        alone = typer.Typer()
        importlib.import_module(module).register(alone)
        names = {c.name for c in alone.registered_commands} | {
            g.name or (g.typer_instance.info.name if g.typer_instance else None)
            for g in alone.registered_groups
        }
        assert name in names, f"{name} is not registered by {module}"


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from comity.cli.main import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stderr.split())


def test_help_imports_no_domain_and_no_database_library() -> None:
    loaded = _modules_after(["--help"])
    domains = {m for m in loaded if m.startswith("comity.") and m.endswith(".cli")}
    assert domains <= {"comity.cli"}
    assert "sqlalchemy" not in loaded and "matplotlib" not in loaded


def test_a_command_imports_its_own_domain_only() -> None:
    loaded = _modules_after(["url", "--help"])
    assert "comity.urls.cli" in loaded
    assert "comity.dossiers.cli" not in loaded and "comity.reports.cli" not in loaded
    assert "matplotlib" not in loaded


def test_a_command_that_touches_no_database_loads_no_database_library() -> None:
    # `url canonical` took 2.5 s to start while SQLAlchemy came in through the CLI's
    # error handler; the handler now imports what it records refusals with lazily.
    loaded = _modules_after(["url", "canonical", "HTTP://Example.COM/a?utm_source=x"])
    assert "comity.urls.service" in loaded
    assert "sqlalchemy" not in loaded


def test_a_lone_command_domain_still_runs_as_a_named_command() -> None:
    # comity.flows.cli registers only `demo`: typer must not run it as the app itself
    loaded = _modules_after(["demo", "--help"])
    assert "comity.flows.cli" in loaded
