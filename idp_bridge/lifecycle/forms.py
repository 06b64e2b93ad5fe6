"""The access review as a form: one Keep/Revoke choice per person listed (built per page, the
WTForms way for fields known only at request time)."""

from __future__ import annotations

from collections.abc import Iterable

from idp_bridge.forms import ActionForm, Text


class AccessReviewForm(ActionForm):
    """Fields ``m<membership id>``: "keep" or "revoke" (checked by ``review.complete_review``)."""


def review_form(membership_ids: Iterable[int]) -> type[AccessReviewForm]:
    class ThisReview(AccessReviewForm):
        pass

    for membership_id in membership_ids:
        setattr(ThisReview, choice_name(membership_id), Text())
    return ThisReview


def choice_name(membership_id: int) -> str:
    return f"m{membership_id}"
