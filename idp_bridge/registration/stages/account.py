"""Create An Account: account type, NPI and TIN."""

from __future__ import annotations

import random
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm

from idp_bridge.limits.client import client_address
from idp_bridge.npi import get_registry, guesses
from idp_bridge.npi.identifiers import format_tin, parse_pair
from idp_bridge.npi.pairs import Purpose, validate_pair
from idp_bridge.npi.questionnaire import build_questionnaire
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Advance, Invalid, Result, Stage
from idp_bridge.registration.forms import AccountForm, problems
from idp_bridge.registration.models import RegistrationDraft

PURPOSES = {"organization": Purpose.REGISTER_ORGANIZATION,
            "individual": Purpose.JOIN_ORGANIZATION}


class AccountStage(Stage):
    name = "account"
    title = "Create An Account"
    template = "registration/account.html"
    form = AccountForm
    reads = frozenset({"npi", "tin"})
    writes = frozenset({"npi", "tin", "organization_id", "questionnaire", "registry_name"})

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        return {"account_type": draft.account_type or "", "npi": ctx.npi,
                "tin": format_tin(ctx.tin)}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        errors = problems(form)
        if errors:
            return Invalid(errors)
        account_type = form.account_type.data
        npi, _, shape_errors = parse_pair(form.npi.data, form.tin.data)
        if shape_errors:
            return Invalid(shape_errors)
        # Taken before the pair is looked up, given back if it moves the draft on.
        charges = guesses.charges(npi, draft.id, client_address())
        refused = guesses.take_lookup(charges)
        if refused is not None:
            return Invalid({"form": refused})
        check = validate_pair(form.npi.data, form.tin.data, PURPOSES[account_type])
        if not check.ok:
            return Invalid(check.errors)
        guesses.hit(charges)
        draft.account_type = account_type
        ctx.npi, ctx.tin = check.npi, check.tin
        if account_type == "individual":
            assert check.owner is not None
            ctx.organization_id = check.owner.id
            return Advance()
        assert check.record is not None
        registry = get_registry(current_app)
        ctx.questionnaire = build_questionnaire(
            check.record, registry, random.Random()).to_dict()  # noqa: S311
        ctx.registry_name = check.record.name
        return Advance()


STAGE = AccountStage()
