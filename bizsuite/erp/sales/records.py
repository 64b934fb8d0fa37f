"""Sales documents as records: what ``--format json`` prints and what other modules' commands
show of them (the pipeline's ``quote``). Plain dicts of Decimals, dates and strings."""

from __future__ import annotations


def qty(q, unit):
    from bizsuite.erp.stock.repository import shown

    return shown(q, unit)


def price(p):
    from decimal import Decimal

    two = p.quantize(Decimal("0.01"))
    return two if two == p else p.normalize()


def pct(r) -> str:
    return f"{r.normalize():f}%"


def line_record(v) -> dict:
    return {"line": v.line_no, "sku": v.sku, "name": v.name, "unit": v.unit, "ordered": qty(v.ordered, v.unit),
            "delivered": qty(v.delivered, v.unit), "invoiced": qty(v.invoiced, v.unit),
            "returned": qty(v.returned, v.unit), "to_deliver": qty(v.to_deliver, v.unit),
            "unit_price": price(v.unit_price), "discount": pct(v.discount), "tax_rate": pct(v.tax_rate),
            "net": v.net, "tax": v.tax, "total": v.total, "on_hand": qty(v.on_hand, v.unit),
            "available": qty(v.available, v.unit), "reserved": qty(v.reserved, v.unit)}


def invoice_record(i) -> dict:
    return {"number": i.number, "order": i.order, "customer": i.customer, "customer_id": i.customer_id, "date": i.date,
            "due": i.due, "net": i.net, "tax": i.tax, "total": i.total, "settled": i.settled, "open": i.open,
            "cancelled": i.cancelled}


def order_record(o) -> dict:
    from bizsuite.erp.sales.models import STATUS_LABELS

    return {"number": o.number, "status": o.status, "status_label": STATUS_LABELS[o.status], "customer": o.customer,
            "customer_id": o.customer_id, "deal": o.deal, "date": o.date, "valid_until": o.valid_until,
            "discount": pct(o.discount), "lines": [line_record(v) for v in o.lines],
            "totals": {"net": o.net, "tax": o.tax, "total": o.total, "invoiced": o.invoiced, "paid": o.paid},
            "amounts_due": {"to_deliver": [{"sku": v.sku, "quantity": qty(v.to_deliver, v.unit)}
                                           for v in o.lines if v.to_deliver],
                            "to_invoice": [{"sku": v.sku, "quantity": qty(v.delivered - v.invoiced, v.unit)}
                                           for v in o.lines if v.delivered > v.invoiced],
                            "owed": o.owed},
            "invoices": [invoice_record(i) for i in o.invoices], "warnings": o.warnings, "version": o.version}

