"""Browser tests: headless Chromium drives the real page through dash[testing].

Runs are small (2,000 people, 12 months) so the whole module stays well under a
minute or two; every wait is bounded and polls for a condition.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import market
from dashboards import ids
from dashboards.app import Settings, create_app
from dashboards.runs import Limits
from market.io.results import table_to_csv_bytes

pytestmark = pytest.mark.browser

SCENARIO = "frontier-2025"
RUN_TIMEOUT = 60
SMALL_PEOPLE = 2000
SMALL_STEPS = 12


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, poll: float = 0.1) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return create_app(Settings(cache_dir=tmp_path / "cache"))


@pytest.fixture
def roomy_app(tmp_path: Path) -> Any:
    """An app whose caps allow a run long enough to cancel it."""
    limits = Limits(max_people=200_000, max_person_months=1e9)
    return create_app(Settings(cache_dir=tmp_path / "cache", limits=limits))


@pytest.fixture(scope="module")
def scenario() -> market.Scenario:
    return market.load_scenario(SCENARIO)


def expected_scenario(
    base: market.Scenario,
    overrides: dict[str, Any],
    people: int = SMALL_PEOPLE,
    steps: int = SMALL_STEPS,
) -> market.Scenario:
    """What the page should run, built with the model's API only: policy overrides,
    rescaling, then the horizon (events after it dropped, since they cannot fire).
    """
    spec = base.with_overrides(overrides) if overrides else base
    spec = spec.scaled(people)
    data = spec.model_dump()
    data["steps"] = steps
    data["events"] = [
        e
        for e, ev in zip(data["events"], spec.events, strict=True)
        if (ev.at if isinstance(ev.at, int) else spec.month_to_step(str(ev.at))) <= steps
    ]
    return market.build_scenario(data)


# -- page helpers ------------------------------------------------------------------------------


def open_page(br: Any) -> None:
    """Wait until the scenario has filled the per-lab grid."""
    wait_until(lambda: br.find_elements(f"#{ids.LAB_GRID} .ag-center-cols-container .ag-row"),
               20, "per-lab grid rows")  # fmt: skip


def set_number(br: Any, component_id: str, value: Any) -> None:
    element = br.find_element(f"#{component_id}")
    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.BACKSPACE)
    element.send_keys(str(value))
    wait_until(lambda: element.get_attribute("value") == str(value), 5, f"{component_id}={value}")


def grid_cell(br: Any, lab: str, column: str) -> Any:
    return br.find_element(
        f"#{ids.LAB_GRID} .ag-center-cols-container .ag-row[row-id='{lab}'] "
        f".ag-cell[col-id='{column}']"
    )


def edit_cell(br: Any, lab: str, column: str, value: Any) -> None:
    """Type a new value into a per-lab grid cell, as a user would."""
    grid_cell(br, lab, column).click()
    editor = wait_until(
        lambda: grid_cell(br, lab, column).find_elements(By.CSS_SELECTOR, "input"), 5,
        f"editor of {lab}/{column}",
    )[0]  # fmt: skip
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(str(value))
    editor.send_keys(Keys.ENTER)
    wait_until(lambda: not grid_cell(br, lab, column).find_elements(By.CSS_SELECTOR, "input"),
               5, "editor closed")  # fmt: skip


def click_when_enabled(br: Any, component_id: str, timeout: float = 10) -> None:
    """Buttons are enabled by a callback after a run; click once that has happened."""
    wait_until(lambda: br.find_element(f"#{component_id}").is_enabled(), timeout,
               f"{component_id} to be enabled")  # fmt: skip
    br.find_element(f"#{component_id}").click()


def open_tab(br: Any, label: str) -> None:
    br.driver.find_element(
        By.XPATH, f"//*[@id='{ids.RESULT_TABS}']//*[normalize-space(text())='{label}']"
    ).click()


def small_run_settings(br: Any, seed: int) -> None:
    set_number(br, ids.PEOPLE, SMALL_PEOPLE)
    set_number(br, ids.STEPS, SMALL_STEPS)
    set_number(br, ids.SEED, seed)


def click_run(br: Any, timeout: float = RUN_TIMEOUT) -> str:
    """Click Run and wait for a new run's description; returns it. Fails at once with
    the page's message if the run is refused or fails.
    """
    before = br.find_element(f"#{ids.RUN_INFO}").text
    stale = br.find_element(f"#{ids.RUN_MESSAGE}").text  # cleared by the click's callback
    click_when_enabled(br, ids.RUN)

    def outcome() -> str | None:
        message = br.find_element(f"#{ids.RUN_MESSAGE}").text
        info = br.find_element(f"#{ids.RUN_INFO}").text
        if message and message != stale:
            raise AssertionError(f"run refused: {message}")
        return info if info != before and info else None

    info = wait_until(outcome, timeout, "the run to finish")
    assert info.startswith("Run:"), info
    return info


def sankey_labels(br: Any, graph_id: str = ids.SANKEY) -> list[str]:
    return wait_until(
        lambda: [e.text for e in br.find_elements(f"#{graph_id} .sankey .node-label")],
        20,
        "Sankey node labels",
    )


def download(br: Any, button_id: str, suffix: str) -> Path:
    """Click an export button and return the downloaded file (bounded poll)."""
    folder = Path(br.download_path)
    br.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    before = set(folder.glob(f"*{suffix}"))
    click_when_enabled(br, button_id)

    def done() -> Path | None:
        new = [p for p in folder.glob(f"*{suffix}") if p not in before]
        partial = list(folder.glob("*.crdownload"))
        return new[0] if new and not partial and new[0].stat().st_size > 0 else None

    return wait_until(done, 20, f"download of *{suffix}")


def check_zip_against_model(path: Path, expected: market.Scenario, seed: int) -> dict[str, Any]:
    """The CSV zip holds exactly the model's own tables for ``expected`` and ``seed``."""
    own = market.run_scenario(expected, seed=seed).tables
    with zipfile.ZipFile(path) as zf:
        assert {f"{n}.csv" for n in market.TABLE_NAMES} | {"metadata.json"} <= set(zf.namelist())
        for name in market.TABLE_NAMES:
            assert zf.read(f"{name}.csv") == table_to_csv_bytes(own[name]), name
        meta = json.loads(zf.read("metadata.json"))
    assert meta["seed"] == {"seed": seed}
    assert meta["parameters"] == expected.model_dump(mode="json")
    return own


# -- tests -------------------------------------------------------------------------------------


def test_edit_policy_run_sankey_and_csv_export(dash_duo: Any, app: Any, scenario: Any) -> None:
    lab = scenario.lab_names[3]
    dash_duo.start_server(app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=7)
    edit_cell(dash_duo, lab, "pay_multiplier", 3)
    assert "cell-edited" in grid_cell(dash_duo, lab, "pay_multiplier").get_attribute("class")
    assert "cell-edited" not in grid_cell(dash_duo, lab, "pay_cap_usd").get_attribute("class")

    info = click_run(dash_duo)
    assert f"{SMALL_STEPS} months" in info and "seed 7" in info

    labels = sankey_labels(dash_duo)
    assert set(labels) & set(scenario.lab_names), labels
    assert "moves shown" in dash_duo.find_element(f"#{ids.FLOW_CAPTION}").text

    expected = expected_scenario(scenario, {f"labs.{lab}.policy.pay_multiplier": 3.0})
    own = check_zip_against_model(download(dash_duo, ids.EXPORT_CSV, ".zip"), expected, 7)

    # the heatmap counts the same moves as the Sankey's caption
    moves = own["moves"]
    between = moves[moves.reason.isin(["poached", "spin_out"]) & (moves.from_lab != moves.to_lab)]
    caption = dash_duo.find_element(f"#{ids.FLOW_CAPTION}").text
    assert caption.startswith(f"{len(between):,} moves shown")

    # the exported scenario reproduces the run exactly
    toml_path = download(dash_duo, ids.EXPORT_TOML, ".toml")
    assert "--seed 7" in toml_path.read_text()
    assert market.load_scenario(toml_path) == expected

    # the other tabs show this run
    open_tab(dash_duo, "Time series")
    wait_until(lambda: dash_duo.find_elements(f"#{ids.TIMESERIES} .scatterlayer .trace"), 10,
               "time series lines")  # fmt: skip
    open_tab(dash_duo, "Summary")
    rows = wait_until(
        lambda: dash_duo.find_elements(f"#{ids.SUMMARY_GRID} .ag-pinned-left-cols-container "
                                       ".ag-row"), 10, "summary rows")  # fmt: skip
    assert len(rows) == len(own["summary"])
    assert dash_duo.get_logs() == []


def test_out_of_range_edit_shows_message_then_compare_with_baseline(
    dash_duo: Any, app: Any, scenario: Any
) -> None:
    lab, other = scenario.lab_names[0], scenario.lab_names[5]
    dash_duo.start_server(app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=3)

    # a value outside the model's range is refused with the field and range, no run
    edit_cell(dash_duo, lab, "pay_multiplier", 50)
    dash_duo.find_element(f"#{ids.RUN}").click()
    message = wait_until(lambda: dash_duo.find_element(f"#{ids.RUN_MESSAGE}").text, 10,
                         "an error message")  # fmt: skip
    assert f"labs.{lab}.policy.pay_multiplier" in message and "0.1–10" in message
    assert dash_duo.find_element(f"#{ids.RUN_INFO}").text == "No run yet."
    dash_duo.find_element(f"#{ids.RESET_LABS}").click()
    wait_until(lambda: grid_cell(dash_duo, lab, "pay_multiplier").text == "1", 5, "reset")

    baseline_info = click_run(dash_duo)
    assert dash_duo.find_element(f"#{ids.RUN_MESSAGE}").text == ""
    click_when_enabled(dash_duo, ids.PIN)
    open_tab(dash_duo, "Compare")
    wait_until(lambda: "current run is the baseline" in
               dash_duo.find_element(f"#{ids.PARAM_DIFF}").text, 10, "same-run note")  # fmt: skip

    edit_cell(dash_duo, lab, "pay_multiplier", 4)
    edit_cell(dash_duo, other, "gpus_h100e", 2_000_000)
    set_number(dash_duo, ids.SIGMA, 1.5)
    click_run(dash_duo)
    diff = wait_until(
        lambda: (t := dash_duo.find_element(f"#{ids.PARAM_DIFF}").text) and "What changed" in t
        and t, 15, "the parameter diff",
    )  # fmt: skip
    assert f"labs.{lab}.policy.pay_multiplier: 1 → 4" in diff
    assert f"labs.{other}.gpus_h100e" in diff
    assert f"market.sigma: {scenario.market.sigma:g} → 1.5" in diff
    baseline_label = baseline_info.removeprefix("Run: ").rsplit(",", 1)[0]  # minus run time
    assert baseline_label in dash_duo.find_element(f"#{ids.BASELINE_INFO}").text
    # both runs side by side, differences highlighted in the grid
    assert sankey_labels(dash_duo, ids.SANKEY_BASELINE)
    assert sankey_labels(dash_duo, ids.SANKEY_CURRENT)
    rows = dash_duo.find_elements(f"#{ids.COMPARE_GRID} .ag-pinned-left-cols-container .ag-row")
    assert len(rows) >= len(scenario.lab_names)
    highlighted = dash_duo.find_elements(f"#{ids.COMPARE_GRID} .delta-up, #{ids.COMPARE_GRID} "
                                         ".delta-down")  # fmt: skip
    assert highlighted
    bars = dash_duo.find_elements(f"#{ids.COMPARE_GRAPH} .barlayer .trace")
    assert len(bars) == 8  # baseline and current for four metrics

    dash_duo.find_element(f"#{ids.CLEAR_BASELINE}").click()
    wait_until(lambda: dash_duo.find_element(f"#{ids.BASELINE_INFO}").text == "No baseline pinned.",
               10, "baseline cleared")  # fmt: skip
    assert dash_duo.get_logs() == []


def test_upload_a_scenario(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    spec = market.generic_scenario(n_labs=4, n_engineers=400).with_overrides({"steps": 6})
    good = tmp_path / "mine.toml"
    good.write_text(market.scenario_to_toml(spec))
    bad = tmp_path / "bad.toml"
    bad.write_text(market.scenario_to_toml(spec).replace("steps = 6", "steps = -6"))
    dash_duo.start_server(app)
    open_page(dash_duo)
    upload = dash_duo.find_element(f"#{ids.UPLOAD} input[type=file]")
    upload.send_keys(str(bad))
    message = wait_until(lambda: dash_duo.find_element(f"#{ids.SCENARIO_MESSAGE}").text, 10,
                         "upload error")  # fmt: skip
    assert message.startswith("steps:")
    upload.send_keys(str(good))
    wait_until(lambda: dash_duo.find_elements(f"#{ids.LAB_GRID} .ag-row[row-id='Lab1']"), 10,
               "the uploaded labs")  # fmt: skip
    assert dash_duo.find_element(f"#{ids.SCENARIO_MESSAGE}").text == ""
    assert "uploaded mine.toml" in dash_duo.find_element(f"#{ids.SCENARIO_INFO}").text
    assert dash_duo.find_element(f"#{ids.PEOPLE}").get_attribute("value") == "400"
    assert dash_duo.find_element(f"#{ids.STEPS}").get_attribute("value") == "6"
    info = click_run(dash_duo)
    assert info.startswith("Run: generic: 400 people, 6 months")
    assert dash_duo.get_logs() == []


def test_two_sessions_get_their_own_results(
    dash_duo: Any, app: Any, scenario: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from dash.testing.browser import Browser

    lab = scenario.lab_names[2]
    dash_duo.start_server(app)
    other_downloads = tmp_path / "other-downloads"
    other_downloads.mkdir()
    with Browser(
        browser="Chrome",
        options=request.config.hook.pytest_setup_options(),
        download_path=str(other_downloads),
    ) as second:
        second.server_url = dash_duo.server_url
        sessions = ((dash_duo, 0.5, 11), (second, 5.0, 12))
        for br, multiplier, seed in sessions:
            open_page(br)
            small_run_settings(br, seed=seed)
            edit_cell(br, lab, "pay_multiplier", multiplier)
        # start both runs before either finishes
        for br, _, _ in sessions:
            br.find_element(f"#{ids.RUN}").click()
        for br, _, _ in sessions:
            wait_until(lambda br=br: br.find_element(f"#{ids.RUN_INFO}").text.startswith("Run:"),
                       RUN_TIMEOUT, "both runs")  # fmt: skip
        results = []
        for br, multiplier, seed in sessions:
            assert f"seed {seed}" in br.find_element(f"#{ids.RUN_INFO}").text
            expected = expected_scenario(
                scenario, {f"labs.{lab}.policy.pay_multiplier": multiplier}
            )
            zipped = download(br, ids.EXPORT_CSV, ".zip")
            results.append(check_zip_against_model(zipped, expected, seed))
            assert br.get_logs() == []
    assert not results[0]["moves"].equals(results[1]["moves"])


def test_cancel_keeps_the_page_responsive(dash_duo: Any, roomy_app: Any) -> None:
    dash_duo.start_server(roomy_app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=1)
    first = click_run(dash_duo)
    caption = wait_until(lambda: dash_duo.find_element(f"#{ids.FLOW_CAPTION}").text, 10,
                         "flow caption")  # fmt: skip

    # a long run: 150,000 people for 20 years
    set_number(dash_duo, ids.PEOPLE, 150_000)
    set_number(dash_duo, ids.STEPS, 240)
    dash_duo.find_element(f"#{ids.RUN}").click()
    wait_until(lambda: dash_duo.find_element(f"#{ids.CANCEL}").is_enabled(), 10, "running state")
    assert not dash_duo.find_element(f"#{ids.RUN}").is_enabled()
    wait_until(lambda: "month" in dash_duo.find_element(f"#{ids.PROGRESS_LABEL}").text, 20,
               "progress reports")  # fmt: skip

    # while it runs, other callbacks still answer: filter the previous run's flows
    dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{ids.SPECIALTIES}']//label[contains(., 'research')]"
    ).click()
    new_caption = wait_until(
        lambda: (t := dash_duo.find_element(f"#{ids.FLOW_CAPTION}").text) != caption and t,
        10, "the filtered caption",
    )  # fmt: skip
    assert "infrastructure + product" in new_caption
    assert not dash_duo.find_element(f"#{ids.RUN}").is_enabled()  # still running

    dash_duo.find_element(f"#{ids.CANCEL}").click()
    wait_until(lambda: dash_duo.find_element(f"#{ids.RUN}").is_enabled(), 10, "run re-enabled")
    assert not dash_duo.find_element(f"#{ids.CANCEL}").is_enabled()
    assert dash_duo.find_element(f"#{ids.RUN_INFO}").text == first  # cancelled run left no result
    assert dash_duo.get_logs() == []
