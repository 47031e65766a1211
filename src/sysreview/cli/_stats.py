"""Commands of the statistics core: ``effects``, ``meta``, ``demo``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command()
    def demo() -> None:
        """Run the example analysis."""
        typer.echo("not yet")
