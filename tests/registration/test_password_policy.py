from idp_bridge.registration.password_policy import describe_policy


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
