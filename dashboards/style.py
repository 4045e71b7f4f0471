"""The page's CSS, kept in Python so that it ships with the package without package
data (``create_app`` inlines it into the HTML head).
"""

CSS = """
:root { --ink: #1d2433; --muted: #667085; --line: #e4e7ec; --accent: #1f6feb;
        --bg: #f6f7f9; --edited: #fff4c2; --up: #e3f5e8; --down: #fde7e7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font-family: Inter, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px; }
.page { max-width: 1500px; margin: 0 auto; padding: 12px 20px 40px; }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
header h1 { font-size: 22px; margin: 6px 0; }
.subtitle { color: var(--muted); margin: 0; }
.controls { display: block; }
.three-col { display: grid; grid-template-columns: 5fr 4fr 5fr; gap: 18px; }
@media (max-width: 1100px) { .three-col { grid-template-columns: 1fr; } }
.col { min-width: 0; }
.card { background: white; border: 1px solid var(--line); border-radius: 8px;
        padding: 12px 16px; margin-top: 12px; min-width: 0; }
.card h2 { font-size: 16px; margin: 0 0 8px; }
.card h3 { font-size: 13px; margin: 12px 0 4px; color: var(--muted);
           text-transform: uppercase; letter-spacing: .04em; }
.row { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: flex-end; }
.field { display: flex; flex-direction: column; gap: 3px; min-width: 120px; }
.field.grow { flex: 1 1 220px; }
.field label { font-weight: 600; font-size: 13px; }
.unit, .range { font-weight: 400; color: var(--muted); }
.number-input { width: 150px; padding: 5px 7px; border: 1px solid #c9ced6;
                border-radius: 5px; font-size: 14px; }
.number-input:invalid { border-color: #d92d20; background: #fff5f5; }
.upload { border: 1px dashed #98a2b3; border-radius: 6px; padding: 8px 12px;
          cursor: pointer; color: var(--muted); }
.upload a { color: var(--accent); text-decoration: underline; }
button { padding: 6px 14px; border-radius: 6px; border: 1px solid #c9ced6;
         background: white; cursor: pointer; font-size: 14px; }
button:hover:not(:disabled) { border-color: var(--accent); }
button:disabled { opacity: .45; cursor: not-allowed; }
button.primary { background: var(--accent); color: white; border-color: var(--accent);
                 font-weight: 600; min-width: 90px; }
.run-row { margin-top: 14px; align-items: center; }
.progress { width: 220px; height: 14px; }
.progress-label, .running-note { color: var(--muted); }
.hint { color: var(--muted); font-size: 12px; margin: 6px 0; }
.message:empty { display: none; }
.error { color: #b42318; background: #fef3f2; border: 1px solid #fecdca;
         border-radius: 6px; padding: 6px 10px; margin-top: 8px; }
.info { margin: 6px 0; color: var(--ink); }
.info details { margin-top: 4px; color: var(--muted); }
.info ul { margin: 4px 0; padding-left: 20px; max-height: 140px; overflow: auto; }
.muted { color: var(--muted); }
.results-head { display: flex; justify-content: space-between; align-items: center;
                flex-wrap: wrap; gap: 8px; }
.run-info { font-size: 14px; }
.export-label { color: var(--muted); margin-left: 10px; }
.filters { margin: 10px 0 4px; align-items: center; }
.filters .window { min-width: 320px; }
.caption { color: var(--muted); margin: 4px 0; }
.two-col { display: grid; grid-template-columns: 3fr 2fr; gap: 10px; }
@media (max-width: 1100px) { .two-col { grid-template-columns: 1fr; } }
.param-diff ul { margin: 4px 0; padding-left: 20px; }
.param-diff h4 { margin: 8px 0 2px; }
.ag-theme-quartz .cell-edited { background: var(--edited); font-weight: 600; }
.ag-theme-quartz .delta-up { background: var(--up); }
.ag-theme-quartz .delta-down { background: var(--down); }
.ag-theme-quartz .lab-cell { font-weight: 600; }
.labs-card .ag-theme-quartz { margin: 6px 0 8px; }
"""
