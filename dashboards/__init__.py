"""The talent-market Dash dashboard: tweak salary and compute policies, run the model,
watch talent flow between labs, compare against a pinned baseline, export the tables.

Modules: :mod:`~dashboards.ids` (component ids), :mod:`~dashboards.fields` (controls,
units and ranges read from the model's pydantic constraints), :mod:`~dashboards.runs`
(server-side validation, size caps, the per-run result store and the export files),
:mod:`~dashboards.figures` (pure ``DataFrame -> go.Figure`` functions),
:mod:`~dashboards.layout`, :mod:`~dashboards.callbacks`, :mod:`~dashboards.app`
(``create_app()``) and :mod:`~dashboards.cli` (``talent-market dashboard``).

Importing this package loads nothing heavy; ``create_app()`` builds the app.
"""
