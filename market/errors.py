"""The one exception type for user mistakes."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A user-supplied input is invalid.

    Carries the offending field (a dotted path such as ``labs.Meta.policy.pay_cap_usd``)
    and a message that says what is allowed. Front ends (CLI, dashboard, experiment
    scripts) show ``str(error)`` as one line and exit with code 2; they never show a
    traceback for it.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
