"""Forged callback requests: POSTs to Dash's endpoint that bypass the page, as an
attacker (or a buggy client) would send them. Imported by the server-side tests.
"""

from __future__ import annotations

import json
from typing import Any

import market
from dashboards import ids, runs, timeline


def post(
    app: Any, output_id: str, values: dict[str, Any], changed: str, status: int = 200
) -> dict[str, Any]:
    """POST one callback request as a (possibly forged) browser would; values are keyed
    ``component.property`` for every input and state of the callback whose outputs
    include ``output_id`` and whose inputs include ``changed``.
    """
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    (dep,) = [
        d
        for d in deps
        if (f"..{output_id}." in d["output"] or d["output"].startswith(f"{output_id}."))
        and any(f"{i['id']}.{i['property']}" == changed for i in d["inputs"])
    ]

    def fill(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    outputs = []
    for part in dep["output"].strip(".").split("..."):
        comp, prop = part.split("@")[0].rsplit(".", 1)
        outputs.append({"id": comp, "property": prop})
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": fill(dep["inputs"]),
        "state": fill(dep["state"]),
        "changedPropIds": [changed],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code in (status, 204), response.data[:500]
    return response.get_json() or {} if response.status_code == 200 else {}


def run_values(source: dict[str, Any], base: market.Scenario, **changes: Any) -> dict[str, Any]:
    values = {
        f"{ids.RUN}.n_clicks": 1,
        f"{ids.SCENARIO_STORE}.data": source,
        f"{ids.STEPS}.value": 12,
        f"{ids.SEED}.value": 1,
        f"{ids.PEOPLE}.value": 1500,
        f"{ids.NONCOMPETE}.value": 1.0,
        f"{ids.SIGMA}.value": 0.5,
        f"{ids.GRADUATES}.value": 1000,
        f"{ids.MECHANISMS}.value": runs.checked_switches(runs.mechanism_values(base)),
        f"{ids.LAB_GRID}.rowData": runs.lab_rows(base),
        f"{ids.EVENTS_GRID}.rowData": timeline.event_rows(base),
        f"{ids.PRECEDENCE}.value": "user",
        f"{ids.REPLICATIONS}.value": 1,
    }
    values.update(changes)
    return values


def message_text(response: dict[str, Any], component: str) -> str:
    return json.dumps(response["response"][component]["children"], ensure_ascii=False)
