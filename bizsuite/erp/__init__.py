"""ERP modules: ledger, stock, purchasing, sales, payroll."""
