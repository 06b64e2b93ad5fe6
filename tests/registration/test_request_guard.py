"""A NUL character in any form or query value is refused before it reaches the database
(PostgreSQL cannot store it): a 400, never a 500."""

from __future__ import annotations


def test_nul_in_a_query_or_form_value_is_a_bad_request(client):
    assert client.get("/register/account?q=a%00b").status_code == 400
    assert client.post("/register/account", data={"npi": "12\x0034"}).status_code == 400
    assert client.get("/register").status_code == 302  # everything else as before
