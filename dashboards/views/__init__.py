"""The page's panels and result tabs: each module holds one part's layout
(``layout(...)``) and its callbacks (``register(app, services)``), as Dash's
multi-page demos keep a page's layout and callbacks together.

Side panel: :mod:`.scenario` (scenario choice, upload, description),
:mod:`.run` (horizon, seed, people, seeds, Run/Cancel, progress),
:mod:`.policies` (market-wide and per-lab policies), :mod:`.events` (the scheduled
events and the precedence rule). Result tabs: :mod:`.flows`, :mod:`.series`,
:mod:`.drivers`, :mod:`.summary`, :mod:`.compare`, :mod:`.info`; :mod:`.export` is the
bar above them.
"""

from dashboards.views import (
    compare,
    drivers,
    events,
    export,
    flows,
    policies,
    run,
    scenario,
    series,
    summary,
)

REGISTERS = (
    scenario.register,
    run.register,
    policies.register,
    events.register,
    flows.register,
    series.register,
    drivers.register,
    summary.register,
    compare.register,
    export.register,
)
"""Every panel's and tab's ``register(app, services)``, in page order."""
