"""The sizes the ledger holds to, in a module of their own so that the command line's help can
name them without importing the ledger."""

# The most lines one entry may have. A real small company's biggest entries fit with room: a
# payroll run of 2,000 employees at 20 lines each (40,000), a stock revaluation of 30,000 items,
# a depreciation run over every fixed asset. What it bounds stays quick (bench/huge_entry.py):
# posting, showing a page of, exporting and reversing such an entry take seconds, not minutes.
# Anything bigger is a batch of entries (one per employee, per day, per warehouse).
MAX_LINES = 50_000
