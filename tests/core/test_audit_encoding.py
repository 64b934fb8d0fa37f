"""Bulk imports write audit text without the JSON encoder; it must be the encoder's text."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bizsuite.core import audit


@settings(max_examples=400)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=8))
def test_direct_insert_text_equals_the_json_encoder(fields):
    text = audit.encode_insert(fields)
    assert text == json.dumps({k: [None, v] for k, v in fields.items()}, ensure_ascii=False, sort_keys=True)
    assert json.loads(text) == {k: [None, v] for k, v in fields.items()}


def test_values_other_than_text_go_through_the_encoder():
    assert audit.encode_insert({"n": 3, "name": "王"}) == '{"n": [null, 3], "name": [null, "王"]}'
