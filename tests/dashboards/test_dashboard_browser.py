"""Browser tests: headless Chromium drives the real page through dash[testing].

Runs are small (2,000 people, 12 months, one seed unless a test is about seeds) so
the whole module stays within a few minutes; every wait is bounded and polls for a
condition, never for a fixed time.
"""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from idle import counted, wait_until_idle
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import market
from dashboards import ids
from dashboards.app import Settings, create_app
from dashboards.runs import Limits
from dashboards.stats import lab_group
from market.codes import BETWEEN_LABS
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
    return counted(create_app(Settings(cache_dir=tmp_path / "cache")))


@pytest.fixture
def roomy_app(tmp_path: Path) -> Any:
    """An app whose caps allow a run long enough to cancel it."""
    limits = Limits(max_people=200_000, max_person_months=1e9)
    return counted(create_app(Settings(cache_dir=tmp_path / "cache", limits=limits)))


@pytest.fixture(autouse=True)
def _idle_before_the_server_stops(dash_duo: Any) -> Any:
    """Each test ends with the page left and no request in flight (``idle.py``:
    dash_duo's teardown kills the server's threads)."""
    yield
    wait_until_idle(dash_duo)


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


def text_of(br: Any, component_id: str) -> str:
    return br.find_element(f"#{component_id}").text


def event_cell(br: Any, row: int, column: str) -> Any:
    return br.find_element(
        f"#{ids.EVENTS_GRID} .ag-row[row-id='{row}'] .ag-cell[col-id='{column}']"
    )


def edit_event(br: Any, row: int, column: str, value: Any) -> None:
    """Type into an events-grid cell as a user would."""
    event_cell(br, row, column).click()
    editor = wait_until(lambda: event_cell(br, row, column).find_elements(By.CSS_SELECTOR,
                        "input"), 5, f"editor of event {row}/{column}")[0]  # fmt: skip
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(str(value))
    editor.send_keys(Keys.ENTER)
    wait_until(lambda: not event_cell(br, row, column).find_elements(By.CSS_SELECTOR, "input"),
               5, "event editor closed")  # fmt: skip


def has_class(element: Any, name: str) -> bool:
    return name in (element.get_attribute("class") or "").split()


def graph_data(br: Any, graph_id: str) -> list[dict[str, Any]]:
    """The traces plotly drew in a graph (from the page)."""
    return br.driver.execute_script(
        "var g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
        "return g && g.data ? g.data.map(t => ({type: t.type, fill: t.fill || null,"
        " name: t.name || null})) : [];",
        graph_id,
    )


def small_run_settings(br: Any, seed: int, seeds: int = 1) -> None:
    set_number(br, ids.PEOPLE, SMALL_PEOPLE)
    set_number(br, ids.STEPS, SMALL_STEPS)
    set_number(br, ids.SEED, seed)
    set_number(br, ids.REPLICATIONS, seeds)


def run_id_shown(br: Any) -> str | None:
    """The id of the run the page shows (``data-run`` of the run description)."""
    try:
        found = br.find_elements(f"#{ids.RUN_INFO} [data-run]")
        return found[0].get_attribute("data-run") if found else None
    except StaleElementReferenceException:  # re-rendered between find and read: poll again
        return None


def click_run(br: Any, timeout: float = RUN_TIMEOUT) -> str:
    """Click Run and wait until the page shows a *new* run (its id changes: two runs
    of the same setting have the same description); returns the description. Fails
    at once with the page's message if the run is refused or fails.
    """
    before = run_id_shown(br)
    stale = br.find_element(f"#{ids.RUN_MESSAGE}").text  # cleared by the click's callback
    click_when_enabled(br, ids.RUN)

    def outcome() -> str | None:
        message = br.find_element(f"#{ids.RUN_MESSAGE}").text
        if message and message != stale and "seeds run" not in message:
            raise AssertionError(f"run refused: {message}")
        now = run_id_shown(br)
        return br.find_element(f"#{ids.RUN_INFO}").text if now and now != before else None

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
    # the pools are merged into one node by default
    assert "Outside pools" in labels and "Academia & outside" not in labels

    expected = expected_scenario(scenario, {f"labs.{lab}.policy.pay_multiplier": 3.0})
    own = check_zip_against_model(download(dash_duo, ids.EXPORT_CSV, ".zip"), expected, 7)

    # the heatmap counts the same moves as the Sankey's caption
    moves = own["moves"]
    between = moves[moves.reason.isin(BETWEEN_LABS) & (moves.from_lab != moves.to_lab)]
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
    # One row per lab, spin-outs of the same parent merged into one (stats.grouped).
    n_rows = own["summary"]["lab"].map(lab_group).nunique()
    summary_rows = f"#{ids.SUMMARY_GRID} .ag-pinned-left-cols-container .ag-row"
    rows = wait_until(
        lambda: len(dash_duo.find_elements(summary_rows)) == n_rows, 10,
        f"{n_rows} summary rows")  # fmt: skip
    assert rows
    open_tab(dash_duo, "Drivers")
    wait_until(lambda: [t for t in graph_data(dash_duo, ids.DRIVERS) if t["name"] == lab], 10,
               "driver series")  # fmt: skip
    open_tab(dash_duo, "Info")
    assert "ODD" in dash_duo.find_element("a[href='/docs/ODD.md']").text
    assert dash_duo.get_logs() == []


def test_out_of_range_edit_shows_message_then_compare_with_baseline(
    dash_duo: Any, app: Any, scenario: Any
) -> None:
    """Issue 15 item 15: this test once waited for the run description to change, but
    two runs of one setting have the same description, so it timed out when run alone;
    :func:`click_run` now waits for a new run id. Two seeds each: Compare shows paired
    differences with intervals.
    """
    lab, other = scenario.lab_names[0], scenario.lab_names[5]
    dash_duo.start_server(app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=3, seeds=2)

    # a value outside the model's range is refused with the field and range, no run
    edit_cell(dash_duo, lab, "pay_multiplier", 50)
    dash_duo.find_element(f"#{ids.RUN}").click()
    message = wait_until(lambda: dash_duo.find_element(f"#{ids.RUN_MESSAGE}").text, 10,
                         "an error message")  # fmt: skip
    assert f"labs.{lab}.policy.pay_multiplier" in message and "0.1–10" in message
    assert "(got 50)" in message
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
    noise = dash_duo.find_elements(f"#{ids.COMPARE_GRID} .within-noise")
    assert highlighted or noise
    assert " … " in text_of(dash_duo, ids.COMPARE_GRID)  # 95% intervals of paired seeds
    bars = [t for t in graph_data(dash_duo, ids.COMPARE_GRAPH) if t["type"] == "bar"]
    assert len(bars) == 4  # the change in each of four metrics

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
    wait_until(lambda: "seed 1 (1 of 1): month" in text_of(dash_duo, ids.PROGRESS_LABEL), 20,
               "progress reports per seed")  # fmt: skip

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
    assert "Run cancelled" in text_of(dash_duo, ids.RUN_MESSAGE)
    assert dash_duo.get_logs() == []


def test_oversized_upload_gets_a_message(dash_duo: Any, app: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 250_000)  # 2.5 MB, the cap is 1 MB
    dash_duo.start_server(app)
    open_page(dash_duo)
    dash_duo.find_element(f"#{ids.UPLOAD} input[type=file]").send_keys(str(big))
    message = wait_until(lambda: text_of(dash_duo, ids.SCENARIO_MESSAGE), 10, "upload message")
    assert "2.5 MB" in message and "larger than the 1.0 MB" in message
    assert "built-in frontier-2025" in text_of(dash_duo, ids.SCENARIO_INFO)  # unchanged
    assert dash_duo.get_logs() == []


def test_events_panel_switch_edit_flags_and_run(
    dash_duo: Any, app: Any, scenario: market.Scenario
) -> None:
    """xAI's GPU stock is set by event 0 (2025-04): an edited cell survives or is
    flagged as the precedence rule says, events can be switched off and edited, and
    bad event values are refused as typed.
    """
    assert event_path_of(scenario, 0) == "labs.xAI.gpus_h100e"
    dash_duo.start_server(app)
    open_page(dash_duo)
    n_events = len(scenario.events)
    wait_until(lambda: f"{n_events} scheduled events" in text_of(dash_duo, ids.EVENTS_SUMMARY),
               10, "events summary")  # fmt: skip
    cell = lambda: grid_cell(dash_duo, "xAI", "gpus_h100e")  # noqa: E731
    assert has_class(cell(), "cell-event")  # set later by an event, not edited
    edit_cell(dash_duo, "xAI", "gpus_h100e", 1000)
    wait_until(lambda: has_class(cell(), "cell-kept"), 10, "flag: your value wins")
    assert "your value wins" in event_cell(dash_duo, 0, "status").text
    assert "events[0]" in text_of(dash_duo, ids.EVENT_REPORT)

    dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{ids.PRECEDENCE}']//label[contains(., 'still apply')]"
    ).click()
    wait_until(lambda: has_class(cell(), "cell-overwritten"), 10, "flag: event overwrites")
    assert "applies" in event_cell(dash_duo, 0, "status").text
    dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{ids.PRECEDENCE}']//label[contains(., 'my value wins')]"
    ).click()
    wait_until(lambda: has_class(cell(), "cell-kept"), 10, "flag back to kept")

    # a bad value is refused as typed; then a good one, and event 1 switched off
    edit_event(dash_duo, 1, "value", "abc")
    report = wait_until(lambda: "'abc'" in text_of(dash_duo, ids.EVENT_REPORT)
                        and text_of(dash_duo, ids.EVENT_REPORT), 10, "event error")  # fmt: skip
    assert "events[1].value" in report
    edit_event(dash_duo, 1, "value", 4)
    wait_until(lambda: "'abc'" not in text_of(dash_duo, ids.EVENT_REPORT), 10, "error gone")
    event_cell(dash_duo, 2, "on").find_element(By.CSS_SELECTOR, "input").click()
    wait_until(lambda: "1 off, 1 edited" in text_of(dash_duo, ids.EVENTS_SUMMARY), 10,
               "events summary after edits")  # fmt: skip

    small_run_settings(dash_duo, seed=2)
    click_run(dash_duo)
    toml_path = download(dash_duo, ids.EXPORT_TOML, ".toml")
    ran = market.load_scenario(toml_path)
    assert ran.lab("xAI").gpus_h100e == pytest.approx(1000 * SMALL_PEOPLE / scenario.n_engineers)
    assert not [e for e in ran.events if e.lab == "xAI" and e.field == "gpus_h100e"]
    original = scenario.events[1]
    kept = [e for e in ran.events if (e.lab, e.field, e.at) == (original.lab, original.field,
                                                               original.at)]  # fmt: skip
    assert kept and kept[0].value == 4
    assert dash_duo.get_logs() == []


def event_path_of(scenario: market.Scenario, i: int) -> str:
    from market.precedence import event_path

    return event_path(scenario.events[i])


def test_refused_values_are_echoed_and_a_reload_keeps_the_session(
    dash_duo: Any, app: Any, scenario: market.Scenario
) -> None:
    lab = scenario.lab_names[1]
    dash_duo.start_server(app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=5)
    set_number(dash_duo, ids.STEPS, 500)
    dash_duo.find_element(f"#{ids.RUN}").click()
    message = wait_until(lambda: text_of(dash_duo, ids.RUN_MESSAGE), 10, "horizon refused")
    assert message == "steps: must be 1–240 (got 500)"
    set_number(dash_duo, ids.STEPS, SMALL_STEPS)
    edit_cell(dash_duo, lab, "pay_multiplier", "abc")
    assert grid_cell(dash_duo, lab, "pay_multiplier").text == "abc"  # shown as typed
    assert has_class(grid_cell(dash_duo, lab, "pay_multiplier"), "cell-invalid")
    dash_duo.find_element(f"#{ids.RUN}").click()
    wait_until(lambda: "'abc'" in text_of(dash_duo, ids.RUN_MESSAGE), 10, "cell refused")
    edit_cell(dash_duo, lab, "pay_multiplier", 2)
    info = click_run(dash_duo)
    run_id = run_id_shown(dash_duo)

    dash_duo.driver.refresh()
    open_page(dash_duo)
    wait_until(lambda: run_id_shown(dash_duo) == run_id, 10, "the run after a reload")
    assert text_of(dash_duo, ids.RUN_INFO) == info
    assert sankey_labels(dash_duo)
    wait_until(lambda: grid_cell(dash_duo, lab, "pay_multiplier").text == "2", 10,
               "the edited cell after a reload")  # fmt: skip
    assert dash_duo.find_element(f"#{ids.SEED}").get_attribute("value") == "5"
    assert dash_duo.find_element(f"#{ids.PIN}").is_enabled()
    assert dash_duo.get_logs() == []


def test_seeds_bands_pools_and_moves_at_1600x1000(
    dash_duo: Any, app: Any, scenario: market.Scenario
) -> None:
    dash_duo.driver.set_window_size(1600, 1000)
    dash_duo.start_server(app)
    open_page(dash_duo)
    small_run_settings(dash_duo, seed=1, seeds=3)
    info = click_run(dash_duo)
    assert "seeds 1–3" in info

    # results in view without scrolling: the Sankey's top half is on screen
    top, bottom, height = dash_duo.driver.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return [r.top, r.bottom, window.innerHeight];",
        ids.SANKEY,
    )
    assert top < height / 2 and (top + bottom) / 2 < height, (top, bottom, height)

    # pools hidden: no pool node; moves grid filterable
    dash_duo.driver.find_element(
        By.XPATH, f"//*[@id='{ids.POOLS}']//label[normalize-space(.)='hide']"
    ).click()
    wait_until(lambda: "pools: hide" in text_of(dash_duo, ids.FLOW_CAPTION), 10, "pools hidden")
    labels = sankey_labels(dash_duo)
    assert not {"Outside pools", "Academia & outside", "Big tech & fintech"} & set(labels)
    assert "seed 1" in text_of(dash_duo, ids.FLOW_CAPTION)
    rows = wait_until(lambda: dash_duo.find_elements(f"#{ids.MOVES_GRID} .ag-center-cols-container"
                                                     " .ag-row"), 10, "moves rows")  # fmt: skip
    assert rows
    assert cut_cells(dash_duo, ids.MOVES_GRID) == []
    filter_boxes = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.clientWidth)"
        ".filter(w => w > 0);",  # columns scrolled out of view are not drawn
        f"#{ids.MOVES_GRID} .ag-floating-filter-input input",
    )
    assert len(filter_boxes) >= 6 and min(filter_boxes) >= 50, filter_boxes  # fits "2025-12"

    open_tab(dash_duo, "Time series")
    traces = wait_until(lambda: graph_data(dash_duo, ids.TIMESERIES), 10, "time series")
    assert [t for t in traces if t["fill"] == "toself"]  # bands over the three seeds
    open_tab(dash_duo, "Summary")
    wait_until(lambda: "mean over 3 seeds" in text_of(dash_duo, ids.SUMMARY_CAPTION), 10,
               "summary over seeds")  # fmt: skip
    assert cut_cells(dash_duo, ids.SUMMARY_GRID) == []
    assert dash_duo.get_logs() == []


def cut_cells(br: Any, grid_id: str) -> list[str]:
    """Texts of the grid's cells and headers shown cut (wider than their box), and of
    headers with a word wider than their box (wrapped inside the word: "Resear|chers").
    """
    return br.driver.execute_script(
        "const ctx = document.createElement('canvas').getContext('2d');"
        "const widest = e => { ctx.font = getComputedStyle(e).font;"
        "  return Math.max(0, ...e.textContent.split(/\\s+/).filter(w => w)"
        "    .map(w => ctx.measureText(w).width)); };"
        "return [...document.querySelectorAll(arguments[0])]"
        ".filter(c => c.scrollWidth > c.clientWidth || (c.matches('.ag-header-cell-text')"
        "  && widest(c) > c.clientWidth + 0.5)).map(c => c.textContent);",
        f"#{grid_id} .ag-cell-value, #{grid_id} .ag-header-cell-text",
    )


def mechanism_box(br: Any, key: str) -> Any:
    """The checkbox of a mechanism switch (found by its label, as a user would)."""
    from dashboards.fields import MECHANISM_BY_KEY

    label = MECHANISM_BY_KEY[key].label
    return br.driver.find_element(
        By.XPATH, f"//*[@id='{ids.MECHANISMS}']//label[normalize-space(.)='{label}']//input"
    )


def test_switch_off_counter_offers_and_run(
    dash_duo: Any, app: Any, scenario: market.Scenario
) -> None:
    """A user bans counter-offers: the switch starts as the scenario has it, the run
    has no counter-offers (it had some with them on), Compare and the export say what
    changed, and a reload keeps the switch off.
    """
    dash_duo.start_server(app)
    open_page(dash_duo)
    counters = lambda: mechanism_box(dash_duo, "counter_offers_enabled")  # noqa: E731
    wait_until(lambda: counters().is_selected(), 10, "the switches filled from the scenario")
    assert not mechanism_box(dash_duo, "infra_leadership_enabled").is_selected()
    small_run_settings(dash_duo, seed=4)
    click_run(dash_duo)
    click_when_enabled(dash_duo, ids.PIN)

    counters().click()
    wait_until(lambda: not counters().is_selected(), 5, "counter-offers switched off")
    edited = f"#{ids.MECHANISMS} .cell-edited"
    wait_until(lambda: [e.text for e in dash_duo.find_elements(edited)] == ["Counter-offers"], 10,
               "the switch marked as changed from the scenario")  # fmt: skip
    section = dash_duo.find_element(".labs-section")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", section)
    section.screenshot("/tmp/mechanisms.png")
    click_run(dash_duo)

    open_tab(dash_duo, "Compare")
    diff = wait_until(lambda: "What changed" in (t := text_of(dash_duo, ids.PARAM_DIFF)) and t,
                      15, "the parameter diff")  # fmt: skip
    assert "market.counter_offers_enabled: True → False" in diff
    expected = expected_scenario(scenario, {"market.counter_offers_enabled": False})
    own = check_zip_against_model(download(dash_duo, ids.EXPORT_CSV, ".zip"), expected, 4)
    assert not (own["moves"]["reason"] == "countered").any()
    default = market.run_scenario(expected_scenario(scenario, {}), seed=4).tables["moves"]
    assert (default["reason"] == "countered").any()  # so the switch made a difference

    dash_duo.driver.refresh()
    open_page(dash_duo)
    wait_until(lambda: mechanism_box(dash_duo, "option_value_enabled").is_selected(), 10,
               "the switches after a reload")  # fmt: skip
    assert not counters().is_selected()
    assert dash_duo.get_logs() == []
