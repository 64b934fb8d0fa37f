"""The fast path for plain addresses never accepts what email-validator would refuse."""

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from bizsuite.crm.contacts import normalise as norm

LOCAL = st.text(alphabet="abcxyz0129.-_+'!", min_size=1, max_size=12)
LABEL = st.text(alphabet="abc019-", min_size=1, max_size=8)
TLD = st.sampled_from(["com", "cn", "io", "test", "local", "c0m", "x", "museum", "onion"])


@settings(max_examples=600)
@given(LOCAL, st.lists(LABEL, min_size=1, max_size=3), TLD)
def test_fast_path_agrees_with_email_validator(local, labels, tld):
    address = f"{local}@{'.'.join(labels)}.{tld}"
    errors = []
    ours = norm.clean_email(address, errors)
    try:
        theirs = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        theirs = None
    assert ours == theirs, (address, ours, theirs, errors)


def _library_phone(raw: str, region: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


REGIONS = st.sampled_from(["US", "CA", "CN", "GB", "DE", "JM", "HK", "AU", "IN", "JP"])
SEP = st.sampled_from(["", " ", "-", "."])


@st.composite
def phone_shapes(draw):
    """Phones near the fast path's shapes: written the North American way or as Chinese mobiles,
    with and without country codes, and digits that fall just outside (0/1 area codes, 12x)."""
    d = lambda n: draw(st.text(alphabet="0123456789", min_size=n, max_size=n))  # noqa: E731
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["", "+1", "+1 ", "1 ", "1-", "+44 ", "+", "001 ", "+1."]))
        area = draw(st.sampled_from([d(3), "212", "415", "011", "100"]))
        area = draw(st.sampled_from([f"({area})", f"({area}) ", area + draw(SEP), f"({area}"]))
        return f"{prefix}{area}{d(3)}{draw(SEP)}{d(4)}"
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "86 ", "0", "+852 ", "+1 "]))
    head = draw(st.sampled_from(["1" + d(2), "13" + d(1), "18" + d(1), "12" + d(1)]))
    sep = draw(st.sampled_from(["", " ", "-"]))
    return f"{prefix}{head}{sep}{d(4)}{sep}{d(4)}"


@settings(max_examples=1500)
@given(phone_shapes(), REGIONS)
def test_phone_fast_path_agrees_with_phonenumbers(raw, region):
    fast = norm._fast_phone(raw, region)
    if fast is not None:
        assert fast == _library_phone(raw, region), (raw, region)
    errors = []
    assert norm.clean_phone(raw, region, errors) == _library_phone(raw, region), (raw, region)


def test_phone_fast_path_takes_the_common_shapes():
    # the point of it: these never reach phonenumbers
    for raw, region, e164 in [("(212) 555-0123", "US", "+12125550123"), ("+1 415 555 0123", "CN", "+14155550123"),
                              ("212.555.0123", "CA", "+12125550123"), ("+86 138 0013 8000", "US", "+8613800138000"),
                              ("13800138000", "CN", "+8613800138000")]:
        assert norm._fast_phone(raw, region) == e164 == _library_phone(raw, region)
    assert norm._fast_phone("(212) 555-0123", "GB") is None  # a British clerk's local number


def test_phone_is_normalised_with_the_default_region():
    errors = []
    assert norm.clean_phone("(415) 555-0123", "US", errors) == "+14155550123"
    assert norm.clean_phone("138 0013 8000", "CN", errors) == "+8613800138000"
    assert norm.clean_phone("+44 20 7946 0958", "US", errors) == "+442079460958"
    assert errors == []
    assert norm.clean_phone("12", "US", errors) is None
    assert errors and errors[0].field == "phone"


def test_name_keys_ignore_case_punctuation_and_legal_suffixes():
    assert norm.name_key("ACME, Inc.") == norm.name_key("Acme Inc") == "acme"
    assert norm.name_key("北京华信科技有限公司") == "北京华信科技"


@pytest.mark.parametrize("written, code", [
    ("CN", "CN"), ("cn", "CN"), ("China", "CN"), ("中国", "CN"), ("PRC", "CN"), ("Germany", "DE"),
    ("Deutschland", "DE"), ("德国", "DE"), ("USA", "US"), ("U.S.A.", "US"), ("United States", "US"),
    ("united  states of america", "US"), ("美国", "US"), ("UK", "GB"), ("United Kingdom", "GB"),
    ("England", "GB"), ("GB", "GB"), ("the Netherlands", "NL"), ("Österreich", "AT"), ("日本", "JP"),
    ("Hong Kong", "HK"), ("台灣", "TW"), ("Schweiz", "CH"), ("Suisse", "CH"),
])
def test_country_names_as_people_write_them(written, code):
    assert norm.country_region(written) == code


@pytest.mark.parametrize("written", ["", None, "Atlantis", "ZZ", "Earth", "X"])
def test_unknown_countries_name_no_region(written):
    assert norm.country_region(written) is None


def test_every_country_code_of_the_table_is_one_phonenumbers_reads():
    import phonenumbers

    codes = {line.split(" ", 1)[0] for line in norm.COUNTRIES.strip().splitlines()}
    assert codes == set(phonenumbers.SUPPORTED_REGIONS)


def test_a_phone_is_read_with_its_own_country_before_the_default_region():
    errors = []
    assert norm.clean_phone("021-6288 1234", "US", errors, country="CN") == "+862162881234"
    assert norm.clean_phone("0755-8888 6666", "US", errors, country="China") == "+8675588886666"
    assert norm.clean_phone("(415) 555-0123", "US", errors, country="Atlantis") == "+14155550123"
    assert norm.clean_phone("(415) 555-0123", "US", errors, country="CN") == "+864155550123"  # CN first
    assert norm.clean_phone("(415) 555-0123", "US", errors, country="HK") == "+14155550123"  # not HK: then US
    assert norm.clean_phone("+44 20 7946 0958", "CN", errors, country="DE") == "+442079460958"
    assert errors == []
    assert norm.clean_phone("021-6288 1234", "US", errors) is None  # without the country: not a US number
    assert errors[0].field == "phone" and "as a number of US" in errors[0].message
