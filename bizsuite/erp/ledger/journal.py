"""Plain-text accounting journals: read the common hledger/ledger subset, write what both read.

What is read (PRODUCT.md's subset):

- transactions ``DATE [*|!] [(CODE)] DESCRIPTION [; comment]`` with ``YYYY-MM-DD``,
  ``YYYY/MM/DD`` or ``YYYY.MM.DD`` dates, followed by indented postings
  ``ACCOUNT  AMOUNT  [; comment]``. The account ends at two or more spaces, or at a tab next
  to another space or tab. One posting per transaction may omit its amount.
- one commodity: a prefix symbol (``$ ¥ € £``), a code (``USD 10``, ``10 USD``), or none;
  thousands separators (``1,234.56``); any Unicode in account names (``资产:银行``).
- ``;`` ``#`` ``*`` comment lines, ``comment … end comment`` blocks, and the declarations
  ``account NAME  [; type: A, code: 1001]``, ``commodity``, ``payee``, ``tag`` (accounts keep
  their declared type and code).

What is refused, with its line, never guessed: several commodities, prices (``@``, ``P``),
balance assertions (``=``), lot prices, virtual postings, automated (``=``) and periodic (``~``)
transactions, ``include``, ``alias``, ``apply account``, default years and commodities,
secondary dates, impossible dates (``2025-02-30``), malformed amounts (``12.3.4``), more than
two decimal places, an amount past the most one line may hold (core.money.LINE_MAX_UNITS, also
for the amount that balances a transaction), control characters and bidirectional overrides
anywhere in the file (core.parsing.text_problem; tabs are syntax), one space between account and amount (hledger would read the amount as part
of the name), a single tab between account and amount (hledger 1.25 reads it as part of the name,
ledger-cli as a separator — two readings, so neither is guessed), transactions with fewer than
two postings, two postings without an amount, transactions that do not balance, and files
with no transactions.

Amounts become integer minor units (of the books' currency) as they are read (no Decimal, no float), which also makes the
balance check exact and the 100k-transaction import fast.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, TextIO

from bizsuite.core.importer import Problem
from bizsuite.core.money import LINE_MAX_UNITS, MONEY_SCALE, format_human, line_max, line_problem
from bizsuite.core.parsing import text_problem

SYMBOLS = "$¥€£"
# Which books' currencies a symbol may stand for; anything else is refused, never converted.
SYMBOL_CURRENCIES = {
    "$": {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD", "MXN"},
    "¥": {"CNY", "JPY"},
    "€": {"EUR"},
    "£": {"GBP"},
}
EXPORT_SYMBOL = {"USD": "$", "CNY": "¥", "JPY": "¥", "EUR": "€", "GBP": "£"}

_DATE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$", re.ASCII)
_AMOUNT = re.compile(
    r"^(?P<s1>[-+])?\s*(?:(?P<sym>[$¥€£])|(?P<pre>[A-Za-z]{2,10})(?=[\s\d.,+-]))?\s*(?P<s2>[-+])?"
    r"(?P<num>[0-9.,]+)\s*(?P<post>[A-Za-z]{2,10}|[$¥€£])?$"
)
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?$", re.ASCII)
_UNSUPPORTED = {
    "P": "market prices (P) are not supported",
    "include": "include is not supported; import each file on its own",
    "alias": "account aliases are not supported",
    "apply": "apply account is not supported",
    "end": "apply account is not supported",
    "D": "default commodities (D) are not supported; write the commodity on the amounts",
    "Y": "default years (Y) are not supported; write full dates",
    "year": "default years are not supported; write full dates",
    "N": "ignored commodities (N) are not supported",
    "C": "commodity conversions (C) are not supported",
    "bucket": "default accounts (bucket) are not supported",
    "A": "default accounts (A) are not supported",
    "timeclock": "timeclock entries are not supported",
    "i": "timeclock entries are not supported", "o": "timeclock entries are not supported",
    "--": "command-line options in journals are not supported",
}
_IGNORED_DIRECTIVES = {"commodity", "payee", "tag", "decimal-mark"}


class Bad(ValueError):
    """A problem with one amount, date or line."""


@dataclass(slots=True)
class Posting:
    line: int
    account: str
    cents: int | None
    memo: str | None


@dataclass(slots=True)
class Txn:
    line: int  # the header's line
    date: dt.date | None
    mark: str
    code: str | None
    memo: str
    comment: str | None
    postings: list[Posting] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    end: int = 0  # the last line that belongs to it


@dataclass
class Journal:
    name: str
    txns: list[Txn]
    problems: list[Problem]  # not tied to a transaction (directives, encoding, empty file)
    declared: dict[str, tuple[int, str | None, str | None]]  # account → (line, type, code)
    commodity: str = ""  # "$", "USD", … or "" for none
    commodity_line: int = 0
    lines: list[str] = field(default_factory=list)  # the file's lines, for rejects

    @property
    def bad_txns(self) -> list[Txn]:
        return [t for t in self.txns if t.problems]

    def all_problems(self) -> list[Problem]:
        out = list(self.problems)
        for t in self.txns:
            out.extend(t.problems)
        out.sort(key=lambda p: p.line)
        return out


def parse_amount(text: str, scale: int = MONEY_SCALE) -> tuple[int, str]:
    """``$1,234.56`` → (123456, "$") in minor units of ``scale`` decimals (the books'
    currency's: JPY 0, KWD 3); refuses more decimals than that, and what the subset does not
    cover."""
    t = text.strip()
    if "@" in t:
        raise Bad(f"prices (@) are not supported: {text.strip()!r}")
    if "=" in t:
        raise Bad("balance assertions (=) are not supported")
    if "{" in t or "(" in t or "[" in t:
        raise Bad(f"lot prices and amount expressions are not supported: {text.strip()!r}")
    if '"' in t:
        raise Bad(f"quoted commodities are not supported: {text.strip()!r}")
    m = _AMOUNT.match(t)
    if not m or (m.group("s1") and m.group("s2")) or (m.group("sym") or m.group("pre")) and m.group("post"):
        raise Bad(f"not a valid amount: {text.strip()!r}")
    num = m.group("num")
    if not _NUMBER.match(num) or num in (".", ""):
        raise Bad(f"not a valid amount: {text.strip()!r}")
    whole, _, frac = num.replace(",", "").partition(".")
    if len(whole.lstrip("0")) > 20:  # past any bound, and no int() of a thousand digits
        raise Bad(f"amount {text.strip()[:40]!r} is more than the most one line may hold, "
                  f"{format_human(line_max(scale), None)}")
    if len(frac) > scale:
        if frac[scale:].strip("0"):
            raise Bad(f"amount {text.strip()!r} has more than {scale} decimal places")
        frac = frac[:scale]
    cents = int(whole or "0") * 10 ** scale + int(frac.ljust(scale, "0") or "0")
    if m.group("s1") == "-" or m.group("s2") == "-":
        cents = -cents
    commodity = m.group("sym") or m.group("pre") or m.group("post") or ""
    return cents, commodity


def parse_date(text: str) -> dt.date:
    m = _DATE.match(text)
    if not m:
        if "=" in text:
            raise Bad(f"secondary dates are not supported: {text!r}")
        raise Bad(f"{text!r} is not a date (write YYYY-MM-DD)")
    try:
        return dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        raise Bad(f"{text} is not a date (no such day)") from None


def decode(raw: bytes, name: str) -> tuple[str | None, Problem | None]:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(name, line, "not valid UTF-8 text (save the file as UTF-8)")


def parse_journal(text: str, name: str, scale: int = MONEY_SCALE) -> Journal:
    """Read a journal; every problem is recorded with its line (nothing is raised). Amounts
    become integer minor units of ``scale`` decimals."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    txns: list[Txn] = []
    problems: list[Problem] = []
    declared: dict[str, tuple[int, str | None, str | None]] = {}
    journal = Journal(name=name, txns=txns, problems=problems, declared=declared, lines=lines)
    dates: dict[str, dt.date | str] = {}
    cur: Txn | None = None
    postings: list[Posting] = []
    in_directive = False
    in_comment = False
    commodity: str | None = None
    commodity_line = 0
    symbols = SYMBOLS
    new_posting = Posting
    unit = 10 ** scale

    for no, raw in enumerate(lines, 1):
        if not raw:
            if cur is not None:
                _finish(cur, name, scale=scale)
                cur = None
            in_directive = False
            continue
        c = raw[0]
        if c == " " or c == "\t":
            s = raw.strip()
            if not s:
                if cur is not None:
                    _finish(cur, name, scale=scale)
                    cur = None
                in_directive = False
                continue
            if cur is None:
                if in_comment or in_directive or s[0] in ";#":
                    continue
                problems.append(Problem(name, no, "an indented line outside a transaction"))
                continue
            cur.end = no
            c0 = s[0]
            if c0 == ";" or c0 == "#":
                text_ = s[1:].strip()
                if postings:
                    last = postings[-1]
                    last.memo = f"{last.memo} {text_}".strip() if last.memo else (text_ or None)
                else:
                    cur.comment = f"{cur.comment}\n{text_}" if cur.comment else text_
                continue
            if (c0 == "*" or c0 == "!") and len(s) > 1 and s[1] in " \t":
                s = s[2:].lstrip(" \t")
                c0 = s[0] if s else ""
            memo = None
            semi = s.find(";")
            if semi >= 0:
                memo = s[semi + 1:].strip() or None
                s = s[:semi].rstrip()
                if not s:
                    cur.problems.append(Problem(name, no, "a posting with no account"))
                    continue
            if c0 == "(" or c0 == "[":
                cur.problems.append(Problem(name, no, "virtual postings ((…) and […]) are not supported"))
                continue
            sp = s.find("  ")
            tb = s.find("\t")
            if tb >= 0 and (sp < 0 or tb < sp):
                a = tb
                while a > 0 and s[a - 1] == " ":
                    a -= 1
                b = tb + 1
                n = len(s)
                while b < n and s[b] in " \t":
                    b += 1
                if b - a == 1:
                    cur.problems.append(Problem(
                        name, no, "a single tab between the account and the amount: hledger 1.25 reads it as "
                        "part of the account name, ledger-cli as a separator; put two spaces there"))
                    continue
                account, amt = s[:a], s[b:]
            elif sp >= 0:
                account, amt = s[:sp], s[sp + 2:].lstrip(" \t")
            else:
                if " " in s:
                    tail = s.rsplit(" ", 1)[1]
                    try:
                        # only a tail with a digit can be an amount ("accounts payable" is not)
                        looks_like_amount = any(ch.isdigit() for ch in tail) and parse_amount(tail, scale)
                    except Bad:
                        pass
                    else:
                        if looks_like_amount:
                            cur.problems.append(Problem(
                                name, no, f"one space between the account and the amount {tail!r}; "
                                "put two or more spaces before the amount"))
                            continue
                postings.append(new_posting(no, s, None, memo))
                continue
            # the amount: the common shapes inline ($12.34, -$5, $-5, 12.34), the rest by regex
            t = amt
            neg = False
            com = ""
            if t[0] == "-":
                neg = True
                t = t[1:]
            if t and t[0] in symbols:
                com = t[0]
                t = t[1:]
                if t[:1] == "-" and not neg:
                    neg = True
                    t = t[1:]
            whole, dot, frac = t.partition(".")
            if "," in whole:  # thousands separators: 1,234,567 (any other grouping goes below)
                groups = whole.split(",")
                if 0 < len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]):
                    whole = "".join(groups)
            if len(whole) <= 18 and whole.isdigit() and whole.isascii() and (
                    not dot or (len(frac) <= scale and frac.isdigit() and frac.isascii())):
                cents = int(whole) * unit + (int(frac.ljust(scale, "0")) if frac else 0)
                if neg:
                    cents = -cents
            else:
                try:
                    cents, com = parse_amount(amt, scale)
                except Bad as exc:
                    cur.problems.append(Problem(name, no, str(exc)))
                    continue
            if com != commodity:
                if commodity is None:
                    commodity, commodity_line = com, no
                else:
                    first = f"'{commodity}'" if commodity else "no commodity"
                    this = f"'{com}'" if com else "no commodity"
                    cur.problems.append(Problem(
                        name, no, f"a second commodity: {this} here, {first} on line {commodity_line}; "
                        "bizsuite reads journals in one commodity"))
                    continue
            postings.append(new_posting(no, account, cents, memo))
            continue
        # not indented: a new transaction, a comment, or a directive; it ends the current one
        if cur is not None:
            _finish(cur, name, scale=scale)
            cur = None
        if in_comment:
            if raw.strip() == "end comment":
                in_comment = False
            continue
        in_directive = False
        if c.isdigit():
            i = raw.find(" ")
            j = raw.find("\t")
            if j >= 0 and (i < 0 or j < i):
                i = j
            if i < 0:
                dtext, rest = raw, ""
            else:
                dtext, rest = raw[:i], raw[i + 1:].strip()
            day = dates.get(dtext)
            if day is None:
                try:
                    day = parse_date(dtext)
                except Bad as exc:
                    day = str(exc)
                dates[dtext] = day
            postings = []
            cur = Txn(no, None, "", None, "", None, postings, [], no)
            txns.append(cur)
            if day.__class__ is str:
                cur.problems.append(Problem(name, no, day))
            else:
                cur.date = day
            if rest:
                r0 = rest[0]
                if r0 == "*" or r0 == "!":
                    cur.mark = r0
                    rest = rest[1:].lstrip()
                if rest.startswith("("):
                    close = rest.find(")")
                    if close < 0:
                        cur.problems.append(Problem(name, no, "a code in ( ) with no closing ')'"))
                    else:
                        cur.code = rest[1:close].strip() or None
                        rest = rest[close + 1:].lstrip()
                semi = rest.find(";")
                if semi >= 0:
                    cur.comment = rest[semi + 1:].strip() or None
                    rest = rest[:semi].rstrip()
                cur.memo = rest
            continue
        if c in ";#*%|":
            continue
        word = raw.split(None, 1)[0]
        if word == "comment":
            in_comment = True
            continue
        if c == "=":
            problems.append(Problem(name, no, "automated transactions (=) are not supported"))
            in_directive = True  # its indented lines go with it
            continue
        if c == "~":
            problems.append(Problem(name, no, "periodic transactions (~) are not supported"))
            in_directive = True
            continue
        if word == "account":
            _account_directive(raw, no, name, declared, problems)
            in_directive = True
            continue
        if word in _IGNORED_DIRECTIVES:
            if word == "decimal-mark" and raw.split()[1:2] != ["."]:
                problems.append(Problem(name, no, "only '.' is supported as the decimal mark"))
            in_directive = True
            continue
        if word in _UNSUPPORTED or word.startswith("--"):
            problems.append(Problem(name, no, _UNSUPPORTED.get(word, _UNSUPPORTED["--"])))
            in_directive = True
            continue
        problems.append(Problem(name, no, f"not a transaction, posting, comment or supported directive: {raw.strip()[:40]!r}"))
    if cur is not None:
        _finish(cur, name, scale=scale)
    if in_comment:
        problems.append(Problem(name, len(lines), "a comment block with no 'end comment'"))
    if not txns and not problems:
        problems.append(Problem(name, 0, "the file is empty (no transactions)"))
    journal.commodity = commodity or ""
    journal.commodity_line = commodity_line
    if text_problem(text, multiline=True, tabs=True) is not None:  # one scan; lines only if it finds one
        _refuse_controls(journal, lines, name)
    return journal


def _refuse_controls(journal: Journal, lines: list[str], name: str) -> None:
    """Every line with a control character or a bidirectional override is a problem of the
    transaction it belongs to (of the file, outside one): the core's one text rule, tabs allowed."""
    txns = journal.txns
    i = 0
    for no, raw in enumerate(lines, 1):
        why = text_problem(raw, tabs=True)
        if why is None:
            continue
        while i < len(txns) and txns[i].end < no:
            i += 1
        problem = Problem(name, no, why)
        if i < len(txns) and txns[i].line <= no <= txns[i].end:
            txns[i].problems.append(problem)
        else:
            journal.problems.append(problem)


def _finish(t: Txn, name: str, what: str = "transaction", part: str = "postings", *,
            scale: int = MONEY_SCALE) -> None:
    """Check a transaction once all its postings are read; fill the one missing amount."""
    if t.problems:
        return  # a posting was refused: counting or balancing the rest would only add noise
    ps = t.postings
    if len(ps) < 2:
        article = "an" if what[0] in "aeiou" else "a"
        t.problems.append(Problem(name, t.line, f"{article} {what} needs at least two {part} (this one has {len(ps)})"))
        return
    total = 0
    missing = None
    for p in ps:
        c = p.cents
        if c is not None and (c > LINE_MAX_UNITS or c < -LINE_MAX_UNITS):
            t.problems.append(Problem(name, p.line, line_problem(c, scale)))
            return
        if c is None:
            if missing is not None:
                t.problems.append(Problem(
                    name, p.line, f"two {part} without an amount (lines {missing.line} and {p.line}); "
                    "at most one may omit it"))
                return
            missing = p
        else:
            total += c
    if missing is not None:
        missing.cents = -total
        if total > LINE_MAX_UNITS or total < -LINE_MAX_UNITS:
            t.problems.append(Problem(name, missing.line, line_problem(-total, scale) + " (the amount that balances "
                                                                                       f"the {what})"))
    elif total:
        t.problems.append(Problem(name, t.line, f"the {what} does not balance: off by {_plain(total, scale)} "
                                                f"(lines {t.line}–{t.end})"))


def _account_directive(raw: str, no: int, name: str, declared: dict, problems: list[Problem]) -> None:
    from bizsuite.erp.ledger.accounts import TYPE_TAGS

    body = raw[len("account"):]
    comment = ""
    semi = body.find(";")
    if semi >= 0:
        body, comment = body[:semi], body[semi + 1:]
    sp = body.strip().find("  ")
    acct = body.strip() if sp < 0 else body.strip()[:sp]
    acct = acct.split("\t")[0].strip()
    if not acct:
        problems.append(Problem(name, no, "an account directive with no account"))
        return
    type_ = code = None
    for tag in comment.split(","):
        key, sep, value = tag.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "type":
            type_ = TYPE_TAGS.get(value.lower())
            if type_ is None:
                problems.append(Problem(name, no, f"account type {value!r} is not one of A, L, E, R, X"))
                return
        elif key == "code":
            code = value or None
    declared[acct] = (no, type_, code)


def _plain(units: int, scale: int = MONEY_SCALE) -> str:
    """Minor units as plain decimals of ``scale`` places: ``-123456`` → ``-1234.56`` (JPY:
    ``1234``, KWD: ``1.250``)."""
    sign = "-" if units < 0 else ""
    units = abs(units)
    if scale == 0:
        return f"{sign}{units}"
    whole, frac = divmod(units, 10 ** scale)
    return f"{sign}{whole}.{frac:0{scale}d}"


# -- export -------------------------------------------------------------------------------------


def _safe_text(text: str | None) -> str:
    """One line, and nothing that would start a comment in a description."""
    return " ".join((text or "").split()).replace(";", ",")


def write_journal(books, out: TextIO, *, start=None, end=None) -> int:
    """Write every posted entry as a journal that hledger 1.25 and ledger-cli 3.3 read with the
    same balances as our trial balance. Returns how many entries were written."""
    from bizsuite.erp.ledger.accounts import TAG_OF_TYPE
    from bizsuite.erp.ledger.reports import tree_keys

    ledger = books.ledger
    symbol = EXPORT_SYMBOL.get(books.currency, "")
    accounts = ledger.accounts()
    keys = tree_keys(accounts)
    accounts.sort(key=lambda a: keys[a.name])

    out.write(f"; {books.company} — exported by bizsuite; amounts in {books.currency}\n\n")
    for a in accounts:
        tags = f"type: {TAG_OF_TYPE[a.type]}" + (f", code: {a.code}" if a.code else "")
        out.write(f"account {a.name}  ; {tags}\n")
    out.write("\n")
    ids = {a.id: a.name for a in accounts}
    scale = ledger.scale
    n = 0
    write = out.write
    for e, lines in ledger.iter_entries(start=start, end=end):
        head = e.date.isoformat()
        if e.mark:
            head += " " + e.mark
        memo = _safe_text(e.memo)
        if e.code:
            head += f" ({_safe_text(e.code).replace(')', ']')})"
        elif memo.startswith("("):
            head += " ()"  # an empty code, so the description's "(" is not read as one
        if memo:
            head += " " + memo
        notes = []
        if e.comment:
            notes.extend(_safe_text(c) for c in e.comment.splitlines() if c.strip())
        source = e.source_kind if e.source_id is None else f"{e.source_kind} {e.source_id}"
        notes.append(f"bizsuite: #{e.id}, {source}" + (f", reverses #{e.reverses_id}" if e.reverses_id else ""))
        write(head + "\n")
        for note in notes:
            write(f"    ; {note}\n")
        for aid, cents, lmemo, _cid in lines:
            amount = _plain(cents, scale)
            if symbol:
                amount = ("-" + symbol + amount[1:]) if amount.startswith("-") else symbol + amount
            write(f"    {ids[aid]}  {amount}" + (f"  ; {_safe_text(lmemo)}" if lmemo else "") + "\n")
        write("\n")
        n += 1
    return n


def journal_lines(txns: Iterable[Txn], journal: Journal) -> list[str]:
    """The source lines of some transactions, with their problems as comments (for --rejects)."""
    out: list[str] = []
    for t in txns:
        for p in t.problems:
            out.append(f"; error: {p}")
        out.extend(journal.lines[t.line - 1:t.end])
        out.append("")
    return out
