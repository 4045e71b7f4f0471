"""The moves grid shows named people, and event moves count as flows between labs."""

from __future__ import annotations

import pandas as pd

from dashboards import figures as F
from dashboards.views.flows import MOVE_COLUMNS


def test_moves_grid_shows_names_and_event_moves_are_flows() -> None:
    moves = pd.DataFrame(
        {
            "step": [7, 7, 8],
            "month": ["2025-07", "2025-07", "2025-08"],
            "person_id": [10, 11, 12],
            "name": ["Uday Ruddarraju", "", ""],
            "from_lab": ["xAI", "Meta", ""],
            "to_lab": ["OpenAI", "Scale", "OpenAI"],
            "specialty": ["infrastructure", "product", "research"],
            "skill": [30.0, 2.0, 1.0],
            "old_comp_usd": [3e6, 5e5, 1.5e5],
            "new_comp_usd": [3e6, 5e5, 2e5],
            "reason": ["named_move", "acquihire", "graduate_hire"],
        }
    )
    rows = F.moves_rows(moves)
    assert list(rows.columns[:3]) == ["month", "person_id", "name"]
    assert rows.loc[rows["person_id"] == 10, "name"].item() == "Uday Ruddarraju"
    assert "name" in [field for field, _, _ in MOVE_COLUMNS]
    between = F.filter_moves(moves)
    assert between["person_id"].tolist() == [10, 11]
