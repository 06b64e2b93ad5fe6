"""One module per wizard stage; ``STAGES`` maps stage names to them."""

from __future__ import annotations

from idp_bridge.registration.engine import Stage
from idp_bridge.registration.stages import (
    account,
    complete,
    individual,
    merge,
    new_email,
    organization,
    password,
    questionnaire,
    sign_in,
)

STAGES: dict[str, Stage] = {
    module.STAGE.name: module.STAGE
    for module in (account, questionnaire, organization, individual, merge, new_email,
                   password, sign_in, complete)
}
