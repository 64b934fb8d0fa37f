"""The general ledger: chart of accounts, journal entries, reports, journal import and export.

Every other module posts here through ``books.ledger.post_entry(...)`` in its own unit of work.
"""
