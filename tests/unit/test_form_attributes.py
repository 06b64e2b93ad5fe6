"""The bridge's text and password boxes draw their attributes with ``forms.attributes``:
what the browser receives must be what WTForms' own ``html_params`` writes, escaping
included (a value typed with quotes and angle brackets never leaves its attribute)."""

from __future__ import annotations

from typing import Any

import pytest
from markupsafe import Markup
from wtforms.widgets.core import html_params

from idp_bridge.forms import attributes

CASES: list[dict[str, Any]] = [
    {},
    {"name": "first_name", "id": "first_name", "type": "text", "value": "Jordan",
     "aria_invalid": False, "aria_describedby": False, "autocomplete": "given-name"},
    {"value": '"><script>alert(1)</script>', "aria_describedby": "email-help-text email-error",
     "aria_invalid": "true", "readonly": True, "disabled": False},
    {"value": Markup('<b title="x">'), "class_": "wide", "for_": "x", "data_retry_after": 60,
     "maxlength": 6, "placeholder": "Enter email code here & verify"},
    {"value": "José Núñez ' \u00a0 &amp;", "aria_label": "Email code"},
]


@pytest.mark.parametrize("given", CASES)
def test_attributes_are_what_wtforms_writes(given: dict[str, Any]) -> None:
    assert attributes(**given) == html_params(**given)
