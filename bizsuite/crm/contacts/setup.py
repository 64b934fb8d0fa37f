"""The contacts part of creating the books: the country whose phone numbers are written
without a +country code (``bizsuite init --region``, the first-run form's "Phones").

Declared as ``Module.create`` (see :class:`bizsuite.core.modules.CreatePart`): :func:`check`
runs before anything is written, :func:`write` inside the unit of work that creates the books.
"""

from __future__ import annotations

from bizsuite.core.errors import FieldError

REGION_SETTING = "contacts.phone_region"


def _region(creation) -> str | None:
    value = creation.get("region")
    return value.upper() if value else None


def check(creation) -> list[FieldError]:
    region = _region(creation)
    if region is None:
        return []
    import phonenumbers

    if region not in phonenumbers.SUPPORTED_REGIONS:
        return [FieldError("region", f"{region!r} is not a country code such as US, GB, CN")]
    return []


def write(books, creation) -> None:
    region = _region(creation)
    if region:
        books.set_setting(REGION_SETTING, region)
