"""What autogenerate compares: objects that exist on one database only are managed by hand.

Each module names its own (``Module.dialect_only``: names, or prefixes ending in ``*``), e.g.
the contacts module's FTS5 index on SQLite and its trigram index on PostgreSQL.
"""


def _hand_made() -> tuple[set[str], tuple[str, ...]]:
    from bizsuite.core.modules import installed

    names: set[str] = set()
    prefixes: list[str] = []
    for m in installed():
        for n in m.dialect_only:
            if n.endswith("*"):
                prefixes.append(n[:-1])
            else:
                names.add(n)
    return names, tuple(prefixes)


def include_object(obj, name, type_, reflected, compare_to):
    names, prefixes = _hand_made()
    if name and (name in names or (prefixes and name.startswith(prefixes))):
        return False
    return True
