"""Long tables: schema, dtypes, one NA convention; precedence reported per run."""

import numpy as np
import pandas as pd

from experiments.sweeps.runner import reproduce_run, run_sweep
from experiments.sweeps.tables import wide_outcomes


def test_long_tables_schema_and_precedence(make_design, tmp_path):
    design = make_design(
        replications=1,
        steps=6,
        metrics=["researchers", "research_hhi"],
        design={
            "kind": "factorial",
            "parameters": [{"path": "labs.xAI.gpus_h100e", "values": [100000, 400000]}],
        },
    )
    out = run_sweep(design, tmp_path / "out")
    runs, outcomes = out.tables["runs"], out.tables["outcomes"]
    param = "labs.xAI.gpus_h100e"
    assert runs[param].dtype == np.int64  # no nullable Int64
    assert list(outcomes.columns) == [
        "run_id",
        "point",
        "replicate",
        param,
        "metric",
        "lab",
        "value",
    ]
    assert outcomes["value"].dtype == np.float64
    hhi = outcomes[outcomes["metric"] == "research_hhi"]
    assert hhi["lab"].isna().all() and len(hhi) == len(runs)
    per_lab = outcomes[outcomes["metric"] == "researchers"]
    assert set(per_lab["lab"]) >= {"xAI", "Meta", "spin-outs"}
    # the same NA convention in CSV: an empty cell
    csv = pd.read_csv(tmp_path / "out" / "outcomes.csv")
    assert csv.loc[csv["metric"] == "research_hhi", "lab"].isna().all()
    back = wide_outcomes(outcomes).set_index("run_id")["researchers.Meta"]
    assert back.tolist() == out.wide.set_index("run_id")["researchers.Meta"].tolist()
    # the design's change wins over xAI's scheduled GPU event, and that is reported
    ev = out.tables["event_overrides"]
    assert set(ev["outcome"]) == {"dropped"} and set(ev["path"]) == {param}
    assert (runs["n_event_overrides"] >= 1).all()
    assert out.design.describe()["event_overrides"]
    gpus = [
        reproduce_run(design, rid).tables["labs"].query("lab == 'xAI'")["gpus_h100e"].iloc[-1]
        for rid in runs["run_id"]
    ]
    assert gpus[0] < gpus[1]  # the two levels stay apart after the event date
    series = out.tables["series"]
    assert param in series.columns and series[param].dtype == np.int64
