"""One Flask-WTF form per wizard screen. Validators wrap the field rules (``validation.py``:
names, phone numbers through phonenumbers, emails, states, zips) and leave a
:class:`~idp_bridge.messages.Problem` (a code) in ``field.errors``; templates show its text
and switch on its code. NPI and TIN wrap ``npi/identifiers.py`` and are then checked as a
pair (``npi/pairs.py``).

Each field's label is a message code (``idp_bridge.forms.label``); the templates draw the
fields through ``templates/_form.html``, and the validators name a field by its label. CSRF
comes with every form (``form.hidden_tag()`` in the templates; the app-wide CSRFProtect
checks it before any view runs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form
from wtforms.validators import ValidationError

from idp_bridge.forms import Secret, Text, label
from idp_bridge.messages import Problem, problem
from idp_bridge.npi.identifiers import InvalidIdentifier, normalize_npi, normalize_tin
from idp_bridge.registration import validation
from idp_bridge.registration.validation import Refused


class Cleaned:
    """A validator running one rule: the field's data becomes the cleaned value, or the
    field gets the rule's problem code. ``labelled``: the rule names the field (by its
    label) in its refusal."""

    def __init__(self, rule: Callable[..., str], labelled: bool = False,
                 **arguments: Any) -> None:
        self.rule = rule
        self.labelled = labelled
        self.arguments = arguments

    def __call__(self, form: FlaskForm, field: Field) -> None:
        arguments = dict(self.arguments)
        if self.labelled:
            arguments["label"] = str(field.label.text)
        try:
            field.data = self.rule(field.data or "", **arguments)
        except Refused as exc:
            field.data = exc.kept
            raise ValidationError(exc.problem) from exc


class Identifier:
    """NPI or TIN: the rule's problem code, the value left as typed (where the dashes are
    says whether a TIN is an EIN or an SSN; ``npi.pairs.validate_pair`` reads it so)."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        self.rule = rule

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            self.rule(field.data or "")
        except InvalidIdentifier as exc:
            raise ValidationError(exc.problem) from exc


class PhoneWithExtension:
    """The phone rule, with the form's extension box (if the form has one) kept with it."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        box = getattr(form, "phone_extension", None)
        try:
            field.data = validation.phone(field.data or "", label=str(field.label.text),
                                          extension=(box.data or "") if box else "")
        except Refused as exc:
            field.data = exc.kept
            raise ValidationError(exc.problem) from exc


class OneOf:
    def __init__(self, choices: Iterable[str], code: str) -> None:
        self.choices = frozenset(choices)
        self.code = code

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if (field.data or "") not in self.choices:
            raise ValidationError(problem(self.code))


def _text(required: bool = True) -> Cleaned:
    return Cleaned(validation.text, labelled=True, required=required)


class AccountForm(FlaskForm):
    """Each field on its own here; then the pair, as typed, by ``npi.pairs.validate_pair``
    (who holds it, 17712, the registry)."""

    account_type = Text(label("label.account_type"), validators=[
        OneOf(("individual", "organization"), "account_type.required")])
    npi = Text(label("label.npi"), validators=[Identifier(normalize_npi)])
    tin = Text(label("label.tin"), validators=[Identifier(normalize_tin)])


class QuestionnaireForm(FlaskForm):
    """The four questions; which are asked, and their options, come from the draft."""

    address = Text()
    name = Text()
    taxonomy = Text()
    dba = Text()


class OrganizationForm(FlaskForm):
    organization_name = Text(label("label.organization_name"), validators=[_text()])
    doing_business_as = Text(label("label.doing_business_as"),
                                    validators=[_text(required=False)])
    address_line1 = Text(label("label.address_line1"), validators=[_text()])
    address_line2 = Text(label("label.address_line2"),
                                validators=[_text(required=False)])
    city = Text(label("label.city"), validators=[_text()])
    state = Text(label("label.state"), validators=[Cleaned(validation.us_state)])
    zip = Text(label("label.zip"), validators=[Cleaned(validation.zip_code)])
    business_phone = Text(label("label.business_phone"),
                                 validators=[Cleaned(validation.phone, labelled=True)])
    email = Text(label("label.email"), validators=[Cleaned(validation.login_email)])


class IndividualForm(FlaskForm):
    """Individual Enrollment: one form, three buttons (``action``): Send Code, Verify,
    Continue. Each button validates only the fields it needs (:func:`problems`)."""

    first_name = Text(label("label.first_name"),
                             validators=[Cleaned(validation.person_name, labelled=True)])
    last_name = Text(label("label.last_name"),
                            validators=[Cleaned(validation.person_name, labelled=True)])
    phone = Text(label("label.phone"), validators=[PhoneWithExtension()])
    # the guides' box after the number; kept with it
    phone_extension = Text(label("label.phone_extension"))
    email = Text(label("label.login_email"), validators=[Cleaned(validation.login_email)])
    job_title = Text(label("label.job_title"), validators=[_text()])
    opt_in = Text(label("label.opt_in"),
                         validators=[OneOf(("in", "out"), "opt_in.required")])
    site_admin = Text()
    merge = Text()  # the merge pop-up's YES/NO (action merge_answer)
    email_code = Text(label("label.email_code"))
    # The pressed button's name=action value. Not a HiddenField: hidden_tag() would render an
    # empty action input ahead of the buttons, and its "" (read first) made every Send Code
    # and Verify pressed in a browser count as Continue.
    action = Text()

    PERSON_FIELDS = ("first_name", "last_name", "phone", "email", "job_title", "opt_in")


class PrimaryPair(Form):
    """The Primary NPI and TIN, shown read-only on the enrollment screens: drawn from the
    draft, never a field of a screen's form (nothing submitted can set them)."""

    npi = Text(label("label.primary_npi"))
    tin = Text(label("label.primary_tin"))


class MergeForm(FlaskForm):
    merge = Text(validators=[OneOf(("yes", "no"), "merge.required")])


class PasswordForm(FlaskForm):
    password = Secret(label("label.password"))
    confirm_password = Secret(label("label.confirm_password"))
    # Shown only when Keycloak refused one of them (validated only then, by name).
    first_name = IndividualForm.first_name
    last_name = IndividualForm.last_name
    phone = IndividualForm.phone
    job_title = IndividualForm.job_title


class NoFieldsForm(FlaskForm):
    """Screens with a button only (and the restart / join buttons): just the CSRF token."""


def problems(form: FlaskForm, names: Iterable[str] | None = None) -> dict[str, Problem]:
    """Validate ``names`` (every field when None); the first problem of each bad field."""
    chosen = [form[name] for name in names] if names is not None else [
        field for field in form if field.name != "csrf_token"]
    found: dict[str, Problem] = {}
    for field in chosen:
        if not field.validate(form) and field.errors:
            first = field.errors[0]
            found[field.name] = first if isinstance(first, Problem) else problem(
                "field.required", label=field.name)
    return found
