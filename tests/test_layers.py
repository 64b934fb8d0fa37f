"""Layers are enforced, not hoped for: import-linter contracts plus an import-hygiene check."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower() or "0 broken" in result.stdout.lower()


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys; from bizsuite.cli import app; "
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'alembic', 'phonenumbers') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"imported at startup: {out}"
