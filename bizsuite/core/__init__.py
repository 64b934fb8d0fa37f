"""Core services: the store, money, clock, users and roles, audit, importing.

Nothing here imports Textual or Typer (see the import-linter contracts in pyproject.toml).
"""
