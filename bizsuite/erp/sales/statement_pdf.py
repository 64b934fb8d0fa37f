"""A customer statement as a PDF a customer can be sent (fpdf2, through :mod:`bizsuite.core.pdf`):
the company, the customer and their address, the period, the balance forward, every document with
its running balance, the closing balance, and the aging line. Amounts as the CSV gives them, with
thousands separators; Chinese names in a CJK font found on the machine."""

from __future__ import annotations

from bizsuite.core.money import format_human
from bizsuite.core.pdf import document

COLUMNS = (("Date", 24, "L"), ("Document", 28, "L"), ("Description", 78, "L"), ("Amount", 25, "R"),
           ("Balance", 25, "R"))


def render(st, *, company: str, currency: str) -> bytes:
    texts = [company, st.customer, st.address or ""] + [ln.description for ln in st.lines]
    pdf = document(f"Statement for {st.customer}", texts=texts)
    fam = pdf.body_family
    pdf.add_page()
    pdf.set_font(fam, "B", 16)
    pdf.cell(0, 9, company, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "", 10)
    pdf.cell(0, 6, f"Statement of account, {st.start} to {st.end} ({currency})", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(fam, "B", 12)
    pdf.cell(0, 7, st.customer, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "", 10)
    if st.address:
        pdf.multi_cell(0, 5, st.address, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def header():
        pdf.set_font(fam, "", 8)
        pdf.cell(0, 5, f"{st.customer} · page {pdf.page_no()}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(fam, "B", 9)
        pdf.set_fill_color(230, 230, 230)
        for title, width, align in COLUMNS:
            pdf.cell(width, 7, title, border="B", align=align, fill=True)
        pdf.ln()
        pdf.set_font(fam, "", 9)

    header()
    rows = [(str(st.start), "", "Balance forward", "", format_human(st.opening, None))]
    rows += [(str(ln.date), ln.document, ln.description, format_human(ln.amount, None), format_human(ln.balance, None))
             for ln in st.lines]
    for row in rows:
        if pdf.will_page_break(6):
            pdf.add_page()
            header()
        for (title, width, align), value in zip(COLUMNS, row):
            text = value
            while text and pdf.get_string_width(text) > width - 2:  # one line per document: cut, never overlap
                text = text[:-2] + "…"
            pdf.cell(width, 6, text, align=align)
        pdf.ln()
    pdf.set_font(fam, "B", 10)
    pdf.cell(sum(w for _, w, _ in COLUMNS[:-1]), 8, "Balance due", border="T", align="R")
    pdf.cell(COLUMNS[-1][1], 8, format_human(st.closing, None), border="T", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if st.aging is not None:
        a = st.aging
        pdf.set_font(fam, "B", 9)
        buckets = (("Current", a.current), ("1-30 days", a.d1_30), ("31-60 days", a.d31_60), ("61-90 days", a.d61_90),
                   ("Over 90 days", a.d90_plus))
        width = 180 / len(buckets)
        for title, _ in buckets:
            pdf.cell(width, 6, title, border=1, align="C")
        pdf.ln()
        pdf.set_font(fam, "", 9)
        for _, value in buckets:
            pdf.cell(width, 6, format_human(value, None), border=1, align="C")
        pdf.ln()
    return bytes(pdf.output())
