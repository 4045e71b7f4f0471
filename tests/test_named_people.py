"""Named people ([[people]]): placed at construction, kept by name through moves,
exports and a TOML round trip; bad declarations and people events exit 2 via the CLI
with one line naming the field, and write nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from market.agents import Engineer
from market.cli import main
from market.config import PersonConfig, PopulationConfig
from market.io.results import write_run
from market.io.scenario_toml import load_scenario_text, scenario_to_toml
from market.model import TalentMarket
from market.named import person_skill
from market.runner import run_scenario

LAB = """
[[labs]]
name = "{name}"
gpus_h100e = 20000.0
budget_usd = {budget}
headcount = {{ research = 30, infrastructure = 20, product = 10 }}
"""
PEOPLE = """
[[people]]
name = "Ada Infra"
lab = "A"
specialty = "infrastructure"
role = "leader"
skill_percentile = 0.999
comp_usd = 2000000.0
source = "test: a declared leader"

[[people]]
name = "Bo Research"
lab = "B"
specialty = "research"
skill = 12.5
comp_usd = 900000.0
source = "test: a researcher"
"""
MOVE = """
[[events]]
at = 3
kind = "move"
names = ["Ada Infra"]
to_lab = "B"
note = "test"
"""


def scenario_toml(*extra: str, budget: float = 5e8, steps: int = 6) -> str:
    return (
        f'name = "named"\nsteps = {steps}\n'
        + LAB.format(name="A", budget=budget)
        + LAB.format(name="B", budget=budget)
        + "".join(extra)
    )


def test_skill_percentile_is_the_pareto_quantile():
    pop = PopulationConfig(skill_tail_alpha=2.0)
    # Pareto(alpha=2, min 1): P(S > s) = s^-2, so the 0.99 quantile is 10.
    p = PersonConfig(
        name="X", lab="A", specialty="research", skill_percentile=0.99, comp_usd=1.0, source="s"
    )
    assert person_skill(p, pop) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="exactly one of skill and skill_percentile"):
        PersonConfig(name="X", lab="A", specialty="research", comp_usd=1.0, source="s")


def test_named_people_are_placed_with_their_declared_state():
    spec = load_scenario_text(scenario_toml(PEOPLE))
    model = TalentMarket(scenario=spec, rng=1)
    p = model.people
    ada, bo = p.row_of("Ada Infra"), p.row_of("Bo Research")
    assert p.employer[ada] == 0 and p.employer[bo] == 1
    assert p.skill[ada] == pytest.approx(1000 ** (1 / 2.2))  # top 0.1% of Pareto(2.2)
    assert p.skill[bo] == 12.5 and p.comp_usd[bo] == 900_000.0
    assert bool(p.leader[ada]) and not bool(p.leader[bo])
    assert p.names_of([ada, bo, 0]) == ["Ada Infra", "Bo Research", ""]
    # Declaring people draws nothing: the anonymous population is unchanged.
    plain = TalentMarket(scenario=load_scenario_text(scenario_toml()), rng=1)
    n = plain.people.n
    assert (plain.people.view("skill") == p.view("skill")[:n]).all()
    assert p.n == n + 2


def test_engineer_agents_carry_the_names():
    """Mesa users see the declared names on the Engineer views; anonymous people have ''."""
    model = TalentMarket(scenario=load_scenario_text(scenario_toml(PEOPLE, MOVE)), rng=1)
    for _ in range(4):
        model.step()
    engineers = model.agents_by_type[Engineer]
    named = {a.name: a for a in engineers if a.name}
    assert set(named) == {"Ada Infra", "Bo Research"}
    assert named["Ada Infra"].employer.name == "B"  # moved by the 'move' event at step 3
    assert sum(1 for a in engineers if a.name == "") == len(engineers) - 2


def test_named_people_keep_their_names_through_moves_exports_and_toml(tmp_path):
    spec = load_scenario_text(scenario_toml(PEOPLE, MOVE))
    again = load_scenario_text(scenario_to_toml(spec))
    assert again == spec and [x.name for x in again.people] == ["Ada Infra", "Bo Research"]
    first = run_scenario(spec, seed=4, keep_model=True)
    second = run_scenario(again, seed=4)
    moves = first.tables["moves"]
    pd.testing.assert_frame_equal(moves, second.tables["moves"])
    named = moves[moves["reason"] == "named_move"]
    assert named[["name", "from_lab", "to_lab", "step"]].values.tolist() == [
        ["Ada Infra", "A", "B", 3]
    ]
    row = int(named["person_id"].iloc[0])
    assert (moves.loc[moves["person_id"] == row, "name"] == "Ada Infra").all()
    assert (moves.loc[moves["name"] == "", "person_id"] != row).all()
    write_run(first, tmp_path / "out", ["parquet", "csv"])
    csv = pd.read_csv(tmp_path / "out" / "moves.csv", keep_default_na=False)
    parquet = pd.read_parquet(tmp_path / "out" / "moves.parquet")
    for table in (csv, parquet):
        assert table.loc[table["reason"] == "named_move", "name"].tolist() == ["Ada Infra"]


def test_a_held_named_person_stays_until_the_move():
    spec = load_scenario_text(scenario_toml(PEOPLE, MOVE.replace("at = 3", "at = 6")))
    model = TalentMarket(scenario=spec, rng=2)
    ada = model.people.row_of("Ada Infra")
    assert model.people.held_until[ada] == 6
    assert model.people.held_until[model.people.row_of("Bo Research")] == 0
    for _ in range(5):
        model.step()
        assert model.people.employer[ada] == 0
    model.step()
    assert model.people.employer[ada] == 1


BAD = {
    "unknown lab": (
        scenario_toml(PEOPLE.replace('lab = "B"', 'lab = "Foo"')),
        "people[1].lab: unknown lab 'Foo'; known: A, B",
    ),
    "duplicate name": (
        scenario_toml(PEOPLE.replace("Bo Research", "Ada Infra")),
        "people[1].name: duplicate name 'Ada Infra'",
    ),
    "missing source": (
        scenario_toml(PEOPLE.replace('source = "test: a researcher"\n', "")),
        "people[1].source: required field is missing",
    ),
    "unknown name in a move": (
        scenario_toml(PEOPLE, MOVE.replace('["Ada Infra"]', '["Nobody"]')),
        "events[0].names: unknown person 'Nobody'",
    ),
    "team move larger than the headcount": (
        scenario_toml(
            '\n[[events]]\nat = 2\nkind = "team_move"\nfrom_lab = "A"\nto_lab = "B"\n'
            'specialty = "infrastructure"\npeople = 21\n'
        ),
        "events[0].people: 21 exceeds A's infrastructure headcount (20)",
    ),
    "team move larger than the headcount that month": (
        scenario_toml(
            '\n[[events]]\nat = 2\nkind = "team_move"\nfrom_lab = "A"\nto_lab = "B"\n'
            'specialty = "infrastructure"\npeople = 15\n'
            '\n[[events]]\nat = 3\nkind = "team_move"\nfrom_lab = "A"\nto_lab = "B"\n'
            'specialty = "infrastructure"\npeople = 15\n'
        ),
        "events[1].people: 15 exceeds A's infrastructure headcount at step 3",
    ),
    "acquihire the buyer cannot pay": (
        scenario_toml(
            '\n[[events]]\nat = 2\nkind = "acquihire"\nfrom_lab = "A"\nto_lab = "B"\n'
            'specialty = "research"\npeople = 3\npayment_usd = 6e8\n'
        ),
        "events[0].payment_usd: B cannot pay 600,000,000 USD",
    ),
    "acquihire the buyer cannot pay that month": (
        scenario_toml(
            '\n[[events]]\nat = 1\nlab = "B"\nfield = "budget_usd"\nvalue = 1e8\n'
            '\n[[events]]\nat = 2\nkind = "acquihire"\nfrom_lab = "A"\nto_lab = "B"\n'
            'specialty = "research"\npeople = 3\npayment_usd = 4.9e8\n'
        ),
        # 1e8 set at step 1, then one month of B's 10%/yr budget growth
        "events[1].payment_usd: B cannot pay 490,000,000 USD at step 2: its budget is "
        "100,797,414 USD/year",
    ),
    "set event without a value": (
        scenario_toml('\n[[events]]\nat = 2\nlab = "A"\nfield = "mission"\n'),
        "events[0].value: required for kind 'set'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_people_inputs_exit_2_with_one_line_and_write_nothing(
    tmp_path, capsys, monkeypatch, case
):
    body, expected = BAD[case]
    path = tmp_path / "s.toml"
    path.write_text(body)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["run", "--scenario", str(path), "--out", str(out), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2
    assert len(err) == 1, err
    assert expected in err[0]
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]
