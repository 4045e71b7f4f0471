"""Result tables built from a finished (or running) model. Pure pandas: no files.

Schemas (one row per ...):

``labs`` (step x lab, steps 0..T; step 0 is the initial state)
    step, month, lab, kind, headcount, research, infrastructure, product,
    research_skill, hires, departures, payroll_usd, budget_usd, deficit_usd (payroll above
    budget when layoffs are off), comp_median_usd, comp_p90_usd, comp_p99_usd, gpus_h100e,
    gpus_per_researcher, utilisation, research_output, capability, gpus_backlog (bought,
    not yet online), infra_leaders (leader units), bring_up_months (1 / the monthly
    share of the backlog brought online); the last three are 0, 0 and 1 with
    infrastructure leadership off
``moves`` (one move or exit)
    step, month, person_id, name, from_lab, to_lab, specialty, skill, old_comp_usd,
    new_comp_usd, reason. ``name`` is the ``[[people]]`` name of a named person and ""
    for everyone else. ``from_lab`` is "" for entrants (graduates, the pool),
    ``to_lab`` is "" for exits. ``reason`` is one of :data:`MOVE_REASONS`; for
    "countered" from_lab == to_lab (the person stayed on a raised counter-offer); a
    "pool_exit" row (both labs "") is someone leaving the job pool unhired.
``flows`` (from_lab x to_lab x period)
    period ("all" or the calendar year), from_lab, to_lab, moves, reverse_moves,
    flow_ratio (moves / reverse_moves, NaN when there are none back). Only changes of
    employer between two labs (:data:`~market.codes.BETWEEN_LABS`: poached, spin_out and
    the event moves named_move, team_move, acquihire) count.
``retention`` (lab)
    lab, hires_in_window, still_there_24m, retention_24m: of the people hired at
    steps 1..T-24, the share still employed there 24 months later (NaN if none).
``summary`` (lab, at the end)
    lab, kind, headcount, research, talent_share (share of all research skill),
    capability, capability_rank (1 = highest), hires, departures, net_flow
    (poached in minus poached out), comp_median_usd, gpus_per_researcher,
    retention_24m
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from market.codes import BETWEEN_LABS, HIRE_REASONS, MOVE_REASONS
from market.selection import unique_sorted

if TYPE_CHECKING:
    from market.model import TalentMarket

RETENTION_MONTHS = 24
TABLE_NAMES: tuple[str, ...] = ("labs", "moves", "flows", "retention", "summary")


def build_tables(model: TalentMarket) -> dict[str, pd.DataFrame]:
    """All result tables of ``model`` as DataFrames keyed by name."""
    labs = labs_table(model)
    moves = moves_table(model)
    retention = retention_table(moves, labs, model.steps)
    return {
        "labs": labs,
        "moves": moves,
        "flows": flows_table(moves),
        "retention": retention,
        "summary": summary_table(labs, moves, retention),
    }


def labs_table(model: TalentMarket) -> pd.DataFrame:
    """Per-step lab records."""
    df = pd.DataFrame(model.ledger.lab_records())
    df.insert(1, "month", _months(model, df["step"].to_numpy()))
    return df


def moves_table(model: TalentMarket) -> pd.DataFrame:
    """The move ledger with lab names and calendar months."""
    raw = model.ledger.move_records()
    lab_codes = [raw["from_lab"], raw["to_lab"]]
    n_labs = len(model.lab_names)
    from_lab, to_lab = (
        _labels([*model.lab_names, ""], np.where(c >= 0, c, n_labs)) for c in lab_codes
    )
    months, month_codes = _month_codes(model, raw["step"])
    return pd.DataFrame(
        {
            "step": raw["step"],
            "month": _labels(months, month_codes),
            "person_id": raw["person_id"],
            "name": person_names(model, raw["person_id"]),
            "from_lab": from_lab,
            "to_lab": to_lab,
            "specialty": _labels(list(model.specialty_names), raw["specialty"]),
            "skill": raw["skill"],
            "old_comp_usd": raw["old_comp_usd"],
            "new_comp_usd": raw["new_comp_usd"],
            "reason": _labels(list(MOVE_REASONS), raw["reason"]),
        }
    )


def person_names(model: TalentMarket, person_ids: np.ndarray) -> pd.Series:
    """The name of each person ("" for anonymous people)."""
    people = model.people
    codes = people.name[np.asarray(person_ids, dtype=np.int64)].astype(np.int64)
    return _labels([*people.names, ""], np.where(codes >= 0, codes, len(people.names)))


def _labels(names: list[str], codes: np.ndarray) -> pd.Series:
    """A string column ``names[codes]``, built by Arrow's take (no Python objects)."""
    taken = pa.array(names, type=pa.string()).take(pa.array(codes.astype(np.int64)))
    return pd.Series(taken, dtype="str")


def _month_codes(model: TalentMarket, steps: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct calendar months of ``steps`` and each row's index into them."""
    distinct, inverse = np.unique(steps, return_inverse=True)
    return [model.config.step_to_month(int(s)) for s in distinct], inverse


def _months(model: TalentMarket, steps: np.ndarray) -> list[str]:
    """Calendar month of each step: one ``step_to_month`` call per distinct step
    rather than per row (the ledger has ~10^5 rows at market scale).
    """
    names, inverse = _month_codes(model, steps)
    return np.array(names, dtype=object)[inverse].tolist()


def flows_table(moves: pd.DataFrame) -> pd.DataFrame:
    """From-lab x to-lab counts for the whole run and per calendar year.

    Counted on integer codes of the labs and years (the same frame as
    :func:`_flows_table_pandas`, the groupby form, which runs when nothing moved).
    """
    between = moves["reason"].isin(BETWEEN_LABS).to_numpy()
    if not between.any():
        return _flows_table_pandas(moves)
    sub = moves.loc[between, ["month", "from_lab", "to_lab"]]
    lab_codes, lab_names = pd.factorize(pd.concat([sub["from_lab"], sub["to_lab"]]))
    year_codes, years = pd.factorize(sub["month"].str[:4])
    n = len(sub)
    f, t = lab_codes[:n].astype(np.int64), lab_codes[n:].astype(np.int64)
    n_labs = len(lab_names)
    periods = [*(str(y) for y in years), "all"]
    pair = f * n_labs + t
    size = n_labs * n_labs
    counts = np.concatenate(
        [
            np.bincount(year_codes * size + pair, minlength=len(years) * size),
            np.bincount(pair, minlength=size),
        ]
    ).reshape(len(periods), n_labs, n_labs)
    p_idx, f_idx, t_idx = np.nonzero(counts)
    moved = counts[p_idx, f_idx, t_idx].astype(np.int64)
    back = counts[p_idx, t_idx, f_idx].astype(np.int64)
    names = [str(x) for x in lab_names]
    rank_p, rank_l = _ranks(periods), _ranks(names)
    order = np.lexsort((rank_l[t_idx], rank_l[f_idx], rank_p[p_idx]))
    p_idx, f_idx, t_idx, moved, back = (a[order] for a in (p_idx, f_idx, t_idx, moved, back))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(back > 0, moved / np.where(back > 0, back, 1).astype(float), np.nan)
    return pd.DataFrame(
        {
            "period": _labels(periods, p_idx),
            "from_lab": _labels(names, f_idx),
            "to_lab": _labels(names, t_idx),
            "moves": moved,
            "reverse_moves": back,
            "flow_ratio": ratio.astype("float64"),
        }
    )


def _ranks(names: list[str]) -> np.ndarray:
    """Each name's position in sorted order."""
    ranks = np.empty(len(names), dtype=np.int64)
    ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
    return ranks


def _flows_table_pandas(moves: pd.DataFrame) -> pd.DataFrame:
    """:func:`flows_table` by pandas groupby and merge."""
    # Columns first, then rows: filtering whole frames copies every (Arrow) string column.
    between = moves.loc[moves["reason"].isin(BETWEEN_LABS), ["month", "from_lab", "to_lab"]]
    frames = []
    for period, group in [("all", between), *between.groupby(between["month"].str[:4])]:
        counts = group.groupby(["from_lab", "to_lab"]).size().rename("moves").reset_index()
        counts.insert(0, "period", str(period))
        frames.append(counts)
    cols = ["period", "from_lab", "to_lab", "moves"]
    flows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    flows["moves"] = flows["moves"].astype("int64")
    back = flows.rename(
        columns={"from_lab": "to_lab", "to_lab": "from_lab", "moves": "reverse_moves"}
    )
    flows = flows.merge(back, on=["period", "from_lab", "to_lab"], how="left")
    flows["reverse_moves"] = flows["reverse_moves"].fillna(0).astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = flows["moves"] / flows["reverse_moves"].where(flows["reverse_moves"] > 0)
    flows["flow_ratio"] = ratio.astype("float64")
    return flows.sort_values(["period", "from_lab", "to_lab"], ignore_index=True)


def retention_table(moves: pd.DataFrame, labs: pd.DataFrame, final_step: int) -> pd.DataFrame:
    """Share of people hired in steps 1..T-24 still at the hiring lab 24 months later.

    On integer codes: a hire (person, step, lab; repeated hires counted once) left
    early if the person's first exit from that lab at or after the hire step is within
    24 months (the same frame as :func:`_retention_table_pandas`, the merge form,
    which runs when nobody was hired in the window).
    """
    step = moves["step"].to_numpy()
    hire = (moves["reason"].isin(HIRE_REASONS).to_numpy()) & (step <= final_step - RETENTION_MONTHS)
    if not hire.any():
        return _retention_table_pandas(moves, labs, final_step)
    from_lab, to_lab = moves["from_lab"], moves["to_lab"]
    leave = ((from_lab != to_lab) & (from_lab != "")).to_numpy()
    codes, names = pd.factorize(pd.concat([from_lab, to_lab]))
    n = len(moves)
    f_code, t_code = codes[:n].astype(np.int64), codes[n:].astype(np.int64)
    person = moves["person_id"].to_numpy().astype(np.int64)
    n_codes, span = len(names) + 1, int(step.max()) - int(step.min()) + RETENTION_MONTHS + 2
    s0 = int(step.min())
    # (person, lab, step) as one sortable integer
    hire_keys = (person[hire] * n_codes + t_code[hire]) * span + (step[hire] - s0)
    hires = unique_sorted(hire_keys, int(hire_keys.max()) + 1)  # np.unique, by one sort
    exits = np.sort((person[leave] * n_codes + f_code[leave]) * span + (step[leave] - s0))
    at = np.minimum(exits.searchsorted(hires), max(len(exits) - 1, 0))
    found = exits[at] if len(exits) else np.full(len(hires), -1)
    same = (found // span) == (hires // span)
    left = same & (found >= hires) & (found - hires <= RETENTION_MONTHS)
    lab = (hires // span) % n_codes
    hired = np.bincount(lab, minlength=n_codes)
    gone = np.bincount(lab, weights=left, minlength=n_codes).astype(np.int64)
    all_labs = pd.Index(labs["lab"].unique(), name="lab")
    where = {str(name): i for i, name in enumerate(names)}
    pick = np.array([where.get(str(name), n_codes - 1) for name in all_labs], dtype=np.int64)
    hired_all = np.append(hired[: n_codes - 1], 0)[pick].astype(np.int64)
    still = (hired_all - np.append(gone[: n_codes - 1], 0)[pick]).astype(np.int64)
    out = pd.DataFrame({"hires_in_window": hired_all, "still_there_24m": still}, index=all_labs)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["retention_24m"] = (
            out["still_there_24m"] / out["hires_in_window"].where(out["hires_in_window"] > 0)
        ).astype("float64")
    return out.reset_index()


def _retention_table_pandas(
    moves: pd.DataFrame, labs: pd.DataFrame, final_step: int
) -> pd.DataFrame:
    """:func:`retention_table` by a merge of hires with exits and groupbys."""
    hires = moves.loc[
        moves["reason"].isin(HIRE_REASONS) & (moves["step"] <= final_step - RETENTION_MONTHS),
        ["person_id", "step", "to_lab"],
    ]
    # Any later change of employer or exit ends a spell at the hiring lab.
    leaves = moves.loc[
        (moves["from_lab"] != moves["to_lab"]) & (moves["from_lab"] != ""),
        ["person_id", "step", "from_lab"],
    ]
    merged = hires[["person_id", "step", "to_lab"]].merge(
        leaves, on="person_id", how="left", suffixes=("", "_left")
    )
    left_early = (
        (merged["from_lab"] == merged["to_lab"])
        & (merged["step_left"] >= merged["step"])
        & (merged["step_left"] <= merged["step"] + RETENTION_MONTHS)
    )
    merged["left"] = left_early
    per_hire = merged.groupby(["person_id", "step", "to_lab"], as_index=False)["left"].any()
    out = per_hire.groupby("to_lab").agg(hires_in_window=("left", "size"), left=("left", "sum"))
    all_labs = pd.Index(labs["lab"].unique(), name="lab")
    out = out.reindex(all_labs, fill_value=0)
    out["still_there_24m"] = (out["hires_in_window"] - out["left"]).astype("int64")
    out["hires_in_window"] = out["hires_in_window"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["retention_24m"] = (
            out["still_there_24m"] / out["hires_in_window"].where(out["hires_in_window"] > 0)
        ).astype("float64")
    return out.drop(columns="left").reset_index()


def summary_table(labs: pd.DataFrame, moves: pd.DataFrame, retention: pd.DataFrame) -> pd.DataFrame:
    """Per-lab end-of-run summary."""
    last = labs[labs["step"] == labs["step"].max()].set_index("lab")
    total_hires = labs.groupby("lab")["hires"].sum()
    total_departures = labs.groupby("lab")["departures"].sum()
    poached = moves.loc[moves["reason"].isin(BETWEEN_LABS), ["from_lab", "to_lab"]]
    net = poached.groupby("to_lab").size().reindex(last.index, fill_value=0) - poached.groupby(
        "from_lab"
    ).size().reindex(last.index, fill_value=0)
    research_skill = last["research_skill"]
    out = pd.DataFrame(
        {
            "lab": last.index,
            "kind": last["kind"].to_numpy(),
            "headcount": last["headcount"].to_numpy(),
            "research": last["research"].to_numpy(),
            "talent_share": (research_skill / max(research_skill.sum(), 1e-12)).to_numpy(),
            "capability": last["capability"].to_numpy(),
            "capability_rank": last["capability"]
            .rank(ascending=False, method="min")
            .astype("int64")
            .to_numpy(),
            "hires": total_hires.reindex(last.index).to_numpy(),
            "departures": total_departures.reindex(last.index).to_numpy(),
            "net_flow": net.to_numpy().astype("int64"),
            "comp_median_usd": last["comp_median_usd"].to_numpy(),
            "gpus_per_researcher": last["gpus_per_researcher"].to_numpy(),
            "retention_24m": retention.set_index("lab")["retention_24m"]
            .reindex(last.index)
            .to_numpy(),
        }
    )
    return out.sort_values("capability_rank", kind="stable", ignore_index=True)
