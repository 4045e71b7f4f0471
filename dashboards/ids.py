"""Every component id of the dashboard, in one place, so that the layout, the callbacks
and the browser tests never disagree on a string.
"""

from __future__ import annotations

# Scenario and run settings (side panel)
SCENARIO = "scenario-dropdown"
UPLOAD = "scenario-upload"
UPLOAD_CHECKED = "scenario-upload-checked"
SCENARIO_STORE = "scenario-store"
SCENARIO_MESSAGE = "scenario-message"
SCENARIO_INFO = "scenario-info"
STEPS = "steps-input"
SEED = "seed-input"
PEOPLE = "people-input"
REPLICATIONS = "replications-input"
NONCOMPETE = "noncompete-input"
SIGMA = "sigma-input"
GRADUATES = "graduates-input"
MECHANISMS = "mechanisms-checklist"
LAB_GRID = "lab-policy-grid"
RESET_LABS = "reset-labs-button"

# Scheduled events
EVENTS_GRID = "events-grid"
PRECEDENCE = "precedence-radio"
EVENT_REPORT = "event-report"
RESET_EVENTS = "reset-events-button"
EVENTS_SUMMARY = "events-summary"

# Running
RUN = "run-button"
CANCEL = "cancel-button"
PROGRESS = "run-progress"
PROGRESS_LABEL = "run-progress-label"
RUNNING_NOTE = "running-note"
RUN_MESSAGE = "run-message"
RUN_REQUEST = "run-request-store"
RUN_STORE = "run-store"
RUN_INFO = "run-info"
SESSION_STORE = "session-store"

# Results
RESULT_TABS = "result-tabs"
TAB_FLOWS = "tab-flows"
TAB_SERIES = "tab-series"
TAB_DRIVERS = "tab-drivers"
TAB_SUMMARY = "tab-summary"
TAB_COMPARE = "tab-compare"
TAB_INFO = "tab-info"
SPECIALTIES = "specialty-filter"
WINDOW = "window-slider"
ENTRY_EXIT = "entry-exit-toggle"
POOLS = "pools-radio"
FLOW_CAPTION = "flow-caption"
SANKEY = "sankey-graph"
HEATMAP = "heatmap-graph"
MOVES_GRID = "moves-grid"
MOVES_CAPTION = "moves-caption"
TIMESERIES = "timeseries-graph"
DRIVERS = "drivers-graph"
SUMMARY_GRID = "summary-grid"
SUMMARY_CAPTION = "summary-caption"

# Compare
PIN = "pin-baseline-button"
CLEAR_BASELINE = "clear-baseline-button"
BASELINE_STORE = "baseline-store"
BASELINE_INFO = "baseline-info"
PARAM_DIFF = "param-diff"
COMPARE_GRAPH = "compare-graph"
COMPARE_GRID = "compare-grid"
SANKEY_BASELINE = "sankey-baseline-graph"
SANKEY_CURRENT = "sankey-current-graph"

# Export
EXPORT_CSV = "export-csv-button"
EXPORT_PARQUET = "export-parquet-button"
EXPORT_TOML = "export-toml-button"
DOWNLOAD = "download"
EXPORT_MESSAGE = "export-message"
