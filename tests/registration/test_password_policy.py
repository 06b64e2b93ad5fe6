from idp_bridge.registration.password_policy import describe_policy, rule_broken


def test_realm_policy_reads_as_the_guides_requirements():
    policy = "length(8) and lowerCase(1) and upperCase(1) and digits(1) and specialChars(1)"
    assert describe_policy(policy) == [
        "Must be at least 8 characters",
        "Must contain at least one Lower case letter",
        "Must contain at least one Upper case letter",
        "Must contain at least one Number (0-9)",
        "Must contain at least one Symbol (e.g. !@#$%()+_=)",
    ]


def test_a_stricter_policy_changes_the_page_without_code_changes():
    assert describe_policy("length(12) and digits(2) and hashIterations(27500)") == [
        "Must be at least 12 characters",
        "Must contain at least 2 Numbers (0-9)",
    ]


REALM_POLICY = ("length(8) and lowerCase(1) and upperCase(1) and digits(1) and "
                "specialChars(1) and notUsername")


def test_each_keycloak_refusal_is_named_as_the_guide_lists_the_rule():
    assert rule_broken("Invalid password: must contain at least 1 lower case characters.",
                       REALM_POLICY) == "Must contain at least one Lower case letter"
    assert rule_broken("Invalid password: minimum length 8.",
                       REALM_POLICY) == "Must be at least 8 characters"
    assert rule_broken("Invalid password: must contain at least 1 special characters.",
                       REALM_POLICY) == "Must contain at least one Symbol (e.g. !@#$%()+_=)"
    assert rule_broken("Invalid password: must not be equal to the username.",
                       REALM_POLICY) == "Must not be the same as your email address"


def test_a_refusal_the_guide_has_no_rule_for_keeps_keycloaks_words():
    assert rule_broken("Invalid password: something new in Keycloak 27.", REALM_POLICY) is None
