"""The one exception type for user mistakes, and the one way to print it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

MAX_SHOWN_CHARS = 80
"""Longest user value quoted in an error message; longer ones are cut with an ellipsis."""


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


def shown(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, for quoting user input in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(message: str) -> str:
    """``message`` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(message).split())


def print_error(message: str, console: Console | None = None) -> None:
    """Print ``error: MESSAGE`` as one line on stderr.

    The message is plain text: brackets in user input (``[/]``, ``[[design.points]]``)
    are printed as they are, never read as rich markup.
    """
    from rich.console import Console
    from rich.text import Text

    console = console or Console(stderr=True)
    line = Text("error:", style="bold red")
    line.append(" " + one_line(message))
    console.print(line, highlight=False, soft_wrap=True)
