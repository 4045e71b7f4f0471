"""The page's CSS, kept in Python so that it ships with the package without package
data (``create_app`` inlines it into the HTML head).
"""

CSS = """
:root { --ink: #1d2433; --muted: #667085; --line: #e4e7ec; --accent: #1f6feb;
        --bg: #f6f7f9; --edited: #fff4c2; --up: #e3f5e8; --down: #fde7e7;
        --event: #e8f0fe; --kept: #d9f2e6; --rescaled: #fde9cf; --overwritten: #f9d4d4; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 13px; }
.page { display: grid; grid-template-columns: 560px minmax(0, 1fr); height: 100vh; }
.side { overflow-y: auto; background: white; border-right: 1px solid var(--line);
        padding: 10px 14px 40px; }
.main { overflow-y: auto; padding: 10px 16px 40px; min-width: 0; }
@media (max-width: 1100px) { .page { display: block; height: auto; }
                             .side, .main { overflow: visible; } }
header h1 { font-size: 20px; margin: 2px 0; }
.subtitle { color: var(--muted); margin: 0 0 6px; }
.panel-section { border-top: 1px solid var(--line); padding: 8px 0 10px; }
.panel-section h2 { font-size: 14px; margin: 2px 0 6px; }
.row { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-end; }
.grow { flex: 1 1 200px; }
.field { display: flex; flex-direction: column; gap: 2px; min-width: 110px; }
.field.grow { flex: 1 1 220px; }
.field label, .panel-section > label { font-weight: 600; font-size: 12px; }
.unit, .range { font-weight: 400; color: var(--muted); }
.number-input { width: 118px; padding: 4px 6px; border: 1px solid #c9ced6;
                border-radius: 5px; font-size: 13px; }
.upload { border: 1px dashed #98a2b3; border-radius: 6px; padding: 6px 10px;
          cursor: pointer; color: var(--muted); }
.upload a { color: var(--accent); text-decoration: underline; }
button { padding: 5px 12px; border-radius: 6px; border: 1px solid #c9ced6;
         background: white; cursor: pointer; font-size: 13px; margin-top: 6px; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .45; cursor: not-allowed; }
button.primary { background: var(--accent); color: white; border-color: var(--accent);
                 font-weight: 600; min-width: 90px; }
.run-row { margin-top: 8px; align-items: center; }
.progress { width: 200px; height: 14px; }
.progress-label, .running-note { color: var(--muted); min-height: 1em; }
.hint { color: var(--muted); font-size: 12px; margin: 4px 0; }
.message:empty { display: none; }
.error { color: #b42318; background: #fef3f2; border: 1px solid #fecdca;
         border-radius: 6px; padding: 6px 10px; margin-top: 6px; }
.note { color: #344054; background: #f2f4f7; border: 1px solid var(--line);
        border-radius: 6px; padding: 6px 10px; margin-top: 6px; }
.event-report ul { margin: 4px 0; padding-left: 18px; max-height: 120px; overflow: auto;
                   font-size: 12px; }
.info { margin: 6px 0; color: var(--ink); }
.info details { margin-top: 2px; color: var(--muted); }
.muted { color: var(--muted); }
.radio label { display: block; font-weight: 400; }
.mechanisms-field { margin: 10px 0 8px; }
.field-title { font-weight: 600; font-size: 12px; margin-bottom: 3px; }
.mechanisms { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 3px 16px; }
.mechanisms .mechanism { display: flex; align-items: center; gap: 6px; cursor: pointer; }
.mechanisms .mechanism input { margin: 0; }
.mechanisms .cell-edited { padding: 0 4px; border-radius: 3px; }
.legend-row { display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0; }
.legend { font-size: 11px; padding: 1px 6px; border-radius: 4px; border: 1px solid var(--line); }
.results-head { display: flex; justify-content: space-between; align-items: center;
                flex-wrap: wrap; gap: 6px; }
.results-head button { margin-top: 0; }
.run-info { font-size: 13px; }
.export-label { color: var(--muted); margin-left: 8px; }
.filters { margin: 6px 0 2px; align-items: center; }
.filters .window { min-width: 300px; }
.caption { color: var(--muted); margin: 4px 0; }
.two-col { display: grid; grid-template-columns: 3fr 2fr; gap: 10px; }
.two-col.flows { grid-template-columns: 3fr 2fr; }
@media (max-width: 1300px) { .two-col { grid-template-columns: 1fr; } }
.param-diff ul { margin: 4px 0; padding-left: 20px; }
.param-diff h4 { margin: 8px 0 2px; }
.info-tab { max-width: 900px; padding: 6px 4px; }
.metrics td { padding: 3px 10px 3px 0; vertical-align: top; }
.cell-edited { background: var(--edited) !important; font-weight: 600; }
.cell-event { box-shadow: inset 3px 0 0 #6b8fd6; background: var(--event); }
.cell-kept { box-shadow: inset 3px 0 0 #2e9e62; background: var(--kept) !important; }
.cell-rescaled { box-shadow: inset 3px 0 0 #d08a1e; background: var(--rescaled) !important; }
.cell-overwritten { box-shadow: inset 3px 0 0 #d92d20; background: var(--overwritten) !important; }
.cell-invalid { color: #b42318; text-decoration: underline wavy #d92d20; }
.ag-theme-quartz .delta-up { background: var(--up); }
.ag-theme-quartz .delta-down { background: var(--down); }
.ag-theme-quartz .within-noise { color: #98a2b3; font-style: italic; }
.ag-theme-quartz .lab-cell { font-weight: 600; }
.labs-section .ag-theme-quartz, .events-section .ag-theme-quartz { margin: 6px 0; }
"""

GRID_FUNCTIONS = """
window.dashAgGridFunctions = Object.assign(window.dashAgGridFunctions || {}, {
    // a number if the text is one, else the text as typed (the server refuses it)
    keepTyped: function (v) {
        if (v === null || v === undefined) { return v; }
        var t = String(v).trim().replace(/,/g, "");
        var n = Number(t);
        return (t !== "" && isFinite(n)) ? n : v;
    },
    isNumber: function (v) { return typeof v === "number" && isFinite(v); },
    text: function (v) { return v === null || v === undefined ? "" : String(v); }
});
"""
"""Functions the AG Grid column definitions call (dash-ag-grid's expressions see only
``window.dashAgGridFunctions``, not JavaScript's globals such as ``Number``).
"""
