"""``bizsuite memos …``"""

import typer

from bizsuite.cli.common import books

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(ctx: typer.Context, text: str, contact: int = typer.Option(None, "--contact")) -> None:
    """Pin a memo."""
    with books(ctx) as b:
        memo_id = b.memos.add(text, contact)
    typer.echo(f"created memo M{memo_id}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every memo."""
    with books(ctx, write=False) as b:
        for memo_id, text in b.memos.all():
            typer.echo(f"M{memo_id} {text}")
