"""The pipeline's section on a contact's page: the customer's deals, open ones first (in stage
order, then by expected close), each with its stage and amount; Enter opens the deal."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.option_list import Option

from bizsuite.screens.panels import ContactPanel


class CustomerDealsPanel(ContactPanel):
    title = "Deals"

    def fetch(self, books, contact_id: int) -> list:
        from bizsuite.core import clock
        from bizsuite.screens.pipeline import money

        rows = books.pipeline.list(customer=contact_id, status="all", limit=self.limit)
        open_ = [r for r in rows if r.status == "open"]
        self.today = clock.today()
        latest = " · the first" if len(rows) == self.limit else ""
        self.note = latest + (f" · {len(open_):,} open, {money(sum(r.amount for r in open_))}" if open_ else "")
        return rows

    def option(self, row) -> Option:
        from bizsuite.screens.pipeline import late_days, late_text, money

        line = Text.assemble((f"{row.number:<8}", "bold"), f"{row.stage:<12.12} ", (f"{money(row.amount):>11}", ""),
                             "  ", row.title)
        late = late_days(row.follow_up, self.today) if row.status == "open" else 0
        if late:
            line.append(f"  {late_text(late)}", style="bold")
        return Option(line, id=str(row.id))

    def opened(self, option_id: str) -> None:
        from bizsuite.screens.pipeline import open_deal

        open_deal(self.app, int(option_id))
