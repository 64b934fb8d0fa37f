"""The sizes the ledger holds to, in a module of their own so that the command line's help can
name them without importing the ledger."""

# The most lines one entry may have. A small company's biggest entries fit with room: a payroll
# run of 500 employees at 20 lines each (10,000), a stock revaluation of 15,000 items, a
# depreciation run over every fixed asset. And what it bounds stays quick (bench/huge_entry.py):
# posting an entry at the cap through post_entry (an object and an audit row a line, the path
# every module takes) is about 6 s and 170 MB; at 50,000 it was 11-29 s and 340 MB. Showing its
# first page, writing its lines and reversing it take about a second either way. Anything
# bigger is a batch of entries (one per employee, per day, per warehouse).
MAX_LINES = 20_000
