"""What autogenerate compares: objects that exist on one database only are managed by hand.

Each module names its own (``Module.dialect_only``: names, or prefixes ending in ``*``), e.g.
the contacts module's FTS5 index on SQLite and its trigram index on PostgreSQL.
"""


def include_object(obj, name, type_, reflected, compare_to):
    from bizsuite.core.modules import hand_made

    names, prefixes = hand_made()
    if name and (name in names or (prefixes and name.startswith(prefixes))):
        return False
    return True
