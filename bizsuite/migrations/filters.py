"""What autogenerate compares: objects that exist on one database only are managed by hand."""

DIALECT_ONLY = {"contacts_fts", "ix_contacts_search_trgm", "search_index_paused"}


def include_object(obj, name, type_, reflected, compare_to):
    if name and (name in DIALECT_ONLY or name.startswith("contacts_fts")):
        return False
    return True
