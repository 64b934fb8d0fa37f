"""The fast path for plain addresses never accepts what email-validator would refuse."""

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
