"""`flask --app webapp …` commands, one module per feature."""
from flask import Flask

CLI_MODULES = ("users", "ops", "jobs", "teams")


def register_cli(app: Flask) -> None:
    import importlib

    for name in CLI_MODULES:
        module = importlib.import_module(f"webapp.cli.{name}")
        module.register(app)
