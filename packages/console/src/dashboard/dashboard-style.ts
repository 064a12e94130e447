/** The dashboard's stylesheet, served at `<basePath>/assets/dashboard.css`. */
export const dashboardStyle = `:root{--bg:#f6f7f9;--card:#fff;--text:#1c2330;--muted:#6b7385;--line:#e3e6ec;--brand:#3b5bdb;
--ok:#2b8a3e;--ok-bg:#e6f4ea;--warn:#a05a00;--warn-bg:#fff3dc;--err:#c92a2a;--err-bg:#fdecec;--info:#1864ab;--info-bg:#e7f1fb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--brand);text-decoration:none}a:hover{text-decoration:underline}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;background:#f0f2f6;padding:1px 4px;border-radius:4px}
.top{display:flex;align-items:center;gap:24px;padding:12px 32px;background:#111827;color:#e5e7eb}
.top a{color:#e5e7eb}.brand{font-weight:600;font-size:15px}.logo{color:#7b93ff}
.top nav{flex:1}.who{display:flex;gap:8px;align-items:center;color:#cbd5e1}
main{max-width:1040px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:22px;margin:0}h2{font-size:16px;margin:0 0 12px}h3{font-size:15px;margin:0}
.head{display:flex;align-items:center;justify-content:space-between;gap:16px;margin:8px 0 20px;flex-wrap:wrap}
.crumbs{margin:0;color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:20px;margin-bottom:20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.card.narrow{max-width:520px;margin:48px auto}
.muted{color:var(--muted);font-weight:400}
.table{width:100%;border-collapse:collapse}
.table th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;border-bottom:1px solid var(--line);padding:8px 10px}
.table td{border-bottom:1px solid var(--line);padding:10px}
.table tr:last-child td{border-bottom:0}.table .num{text-align:right;font-variant-numeric:tabular-nums}
.table tr.total td{font-weight:600;background:#fafbfc}
.empty{color:var(--muted);text-align:center;padding:24px}.name{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;line-height:20px;white-space:nowrap}
.badge-ok{background:var(--ok-bg);color:var(--ok)}.badge-warn{background:var(--warn-bg);color:var(--warn)}
.badge-error{background:var(--err-bg);color:var(--err)}.badge-info{background:var(--info-bg);color:var(--info)}
.badge-muted{background:#eef0f4;color:var(--muted)}.badge-admin{background:#3b5bdb;color:#fff}
.btn{font:inherit;font-weight:500;border:1px solid var(--line);background:#fff;color:var(--text);padding:6px 12px;border-radius:7px;cursor:pointer}
.btn:hover{background:#f3f4f7}.btn:disabled{opacity:.6;cursor:wait}
.btn-primary{background:var(--brand);border-color:var(--brand);color:#fff}.btn-primary:hover{background:#2f4ac0}
.btn-danger{color:var(--err);border-color:#f1c0c0}.btn-danger:hover{background:var(--err-bg)}
.btn-danger[data-armed=yes]{background:var(--err);color:#fff}
.search{display:flex;gap:8px}
input,textarea{font:inherit;border:1px solid var(--line);border-radius:7px;padding:6px 10px;background:#fff;color:var(--text)}
input[type=search]{width:260px}
textarea{width:100%;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;margin-top:4px}
.upload{display:grid;grid-template-columns:1fr auto;gap:16px;align-items:stretch}
.drop{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:4px;border:2px dashed #c5cbe0;border-radius:10px;padding:24px;text-align:center;cursor:pointer;background:#fafbff}
.drop.over{border-color:var(--brand);background:#eef2ff}.drop input{display:none}
.picked{font-weight:600;color:var(--brand)}
.fields{display:flex;flex-direction:column;gap:8px;min-width:220px}.fields label{display:flex;flex-direction:column;font-weight:500}
.result,.flash{margin-top:12px;padding:10px 12px;border-radius:7px}
.result.ok,.flash.ok{background:var(--ok-bg);color:var(--ok)}.result.error,.flash.error{background:var(--err-bg);color:var(--err)}
.flash{margin:0 0 16px}.grants-result.error{color:var(--err)}
.routing{display:flex;gap:8px;align-items:center}
.versions{display:grid;gap:12px}
.version{border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.version.is-active{border-color:#a3d9b1;box-shadow:inset 3px 0 0 var(--ok)}
.version header{display:flex;gap:8px;align-items:center;margin-bottom:8px}.actions{margin-left:auto;display:flex;gap:8px}
.facts{display:grid;grid-template-columns:90px 1fr;gap:4px 12px;margin:0 0 10px}.facts dt{color:var(--muted)}.facts dd{margin:0}
.hash{word-break:break-all}
.grants label{display:block;font-weight:500}.grants-view pre{background:#f6f7f9;padding:8px;border-radius:6px;margin:4px 0 0}
.label{font-weight:500}
figure{margin:16px 0 0}figcaption{font-size:12px;margin-bottom:6px}
.chart{max-width:100%;height:auto;background:#fbfcfe;border-radius:6px}
.chart .bar{fill:#7b93ff}.chart .bar.error{fill:var(--err)}.chart .axis{stroke:var(--line)}
.more{text-align:right;margin:12px 0 0}
.top nav a{margin-right:16px}.error-text{color:var(--err)}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:20px}.plain{list-style:none;margin:0;padding:0}
.chart .tick{font-size:10px;fill:var(--muted)}
`;
