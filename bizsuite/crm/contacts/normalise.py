"""Cleaning what people type: names, emails (email-validator), phones (phonenumbers), tags."""

from __future__ import annotations

import re
import unicodedata

from bizsuite.core.errors import FieldError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "limited", "llc", "gmbh", "co", "corp", "corporation",
    "company", "plc", "sa", "ag", "bv", "pty", "srl", "kk",
}
CJK_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "公司")


def clean_text(value: str | None, *, limit: int, field: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        return None
    if _CONTROL.search(text):
        errors.append(FieldError(field, "contains control characters"))
        return None
    if len(text) > limit:
        errors.append(FieldError(field, f"longer than {limit} characters"))
        return None
    return text


def clean_name(value: str | None, errors: list[FieldError]) -> str:
    text = clean_text(value, limit=200, field="name", errors=errors)
    if text is None:
        if not any(e.field == "name" for e in errors):
            errors.append(FieldError("name", "is required"))
        return ""
    return _SPACES.sub(" ", text)


def sort_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def name_key(name: str) -> str:
    """A name for duplicate detection: no case, punctuation or legal suffixes."""
    text = sort_key(name)
    for suffix in CJK_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    words = [w for w in _PUNCT.sub(" ", text).split() if w not in LEGAL_SUFFIXES]
    return " ".join(words) or text


# A strict subset of what email-validator accepts, for the common case: plain ASCII addresses.
# Anything that does not match goes to email-validator itself (a property test keeps the two
# in agreement), so imports do not spend 20 µs a row on addresses that are obviously fine.
_SIMPLE_EMAIL = re.compile(
    r"^(?=.{6,254}$)(?=[^@]{1,64}@)"
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})$"
)


def _special_tlds() -> set[str]:
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    return {d for d in SPECIAL_USE_DOMAIN_NAMES}


_SPECIAL: set[str] | None = None


def _special_use(domain: str, special: set[str]) -> bool:
    """Whether ``domain`` is, or is under, a special-use name (``test``, ``home.arpa``…)."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in special for i in range(len(labels)))


def clean_email(value: str | None, errors: list[FieldError]) -> str | None:
    global _SPECIAL
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    m = _SIMPLE_EMAIL.match(text)
    if m:
        if _SPECIAL is None:
            _SPECIAL = _special_tlds()
        domain = text.rsplit("@", 1)[1]
        if "--" not in domain and not _special_use(domain, _SPECIAL):
            return text
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        errors.append(FieldError("email", f"{value.strip()!r} is not a valid address ({exc})"))
        return None
    return result.normalized.lower()


# The two shapes most of our users' phone columns hold, whose E.164 form the library would give
# without looking further: North American numbers as they are written there ("(212) 555-0123",
# "+1 415 555 0123") and Chinese mobile numbers ("+86 138 0013 8000"). Like the email fast path,
# a strict subset of what phonenumbers accepts, kept so by a property test; everything else goes
# to phonenumbers itself. An import of 100k contacts spends a second less on it.
_NANP = re.compile(r"(\+1[ .-]?|1[ .-]?)?(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[ .-]?)"
                   r"([2-9][0-9]{2})[ .-]?([0-9]{4})", re.ASCII)
_CN_MOBILE = re.compile(r"(\+86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})", re.ASCII)
_NANP_REGIONS = {"US", "CA"}


def _fast_phone(raw: str, region: str) -> str | None:
    m = _NANP.fullmatch(raw)
    if m:
        prefix, area_p, area, exchange, line = m.groups()
        if (prefix and prefix.startswith("+")) or region in _NANP_REGIONS:
            return f"+1{area_p or area}{exchange}{line}"
        return None
    m = _CN_MOBILE.fullmatch(raw)
    if m and (m.group(1) or region == "CN"):
        return "+86" + "".join(m.groups()[1:])
    return None


def clean_phone(value: str | None, region: str, errors: list[FieldError]) -> str | None:
    """Normalise to E.164 (``+14155550123``) with ``region`` for numbers without a country code."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    region = region.upper() if region else region
    fast = _fast_phone(raw, region)
    if fast:
        return fast
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException as exc:
        errors.append(FieldError("phone", f"{raw!r} is not a phone number ({exc._msg})"))
        return None
    if not phonenumbers.is_possible_number(number):
        errors.append(FieldError("phone", f"{raw!r} is not a possible phone number for region {region}"))
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """International format for display: ``+1 415-555-0123``."""
    if not e164:
        return ""
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def clean_tags(values: list[str], errors: list[FieldError]) -> list[str]:
    out: list[str] = []
    for raw in values:
        tag = _SPACES.sub(" ", unicodedata.normalize("NFC", raw).strip()).casefold()
        if not tag:
            continue
        if len(tag) > 50:
            errors.append(FieldError("tags", f"tag {raw!r} is longer than 50 characters"))
            continue
        if _CONTROL.search(tag):
            errors.append(FieldError("tags", "a tag contains control characters"))
            continue
        if tag not in out:
            out.append(tag)
    return out


def split_multi(cell: str | None) -> list[str]:
    """Several roles or tags in one cell are separated by ``;`` (commas accepted too)."""
    if not cell:
        return []
    return [p.strip() for p in re.split(r"[;,]", cell) if p.strip()]


# Trigram indexes find substrings of three characters or more. Chinese names are often two or
# three characters and are searched by one or two ("王", "小明"), so every CJK character and
# pair of characters in the line is also written as a padded trigram ("王\ue000\ue000",
# "小明\ue000"). The pad is a private-use character nobody types, so it never matches by chance.
PAD = "\ue000"
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def short_grams(text: str) -> list[str]:
    if text.isascii():
        return []
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams.extend(ch + PAD + PAD for ch in run)
        grams.extend(run[i:i + 2] + PAD for i in range(len(run) - 1))
    return list(dict.fromkeys(grams))


def short_query(term: str) -> str | None:
    """The padded trigram for a one- or two-character CJK search term, else None."""
    if 0 < len(term) < 3 and _CJK_RUN.fullmatch(term):
        return term + PAD * (3 - len(term))
    return None


def search_text(*, name: str, company: str | None, email: str | None, phone: str | None,
                tags: list[str], city: str | None) -> str:
    """What search looks in: one lower-case line per contact, indexed by trigrams."""
    parts = [name, company or "", email or "", (phone or "").lstrip("+"), " ".join(sorted(tags)), city or ""]
    # one normalisation of the whole line (the parts are cleaned text, stripped, and " | " is a
    # boundary NFKC never composes across): the same text as keying each part, at a sixth of the cost
    line = sort_key(" | ".join(p for p in parts if p))
    grams = short_grams(line)
    return f"{line} | {' '.join(grams)}" if grams else line
