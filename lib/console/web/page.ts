/**
 * @module lib/console/web/page
 * The console's one HTML page: a shell the script fills. Nothing is loaded from anywhere but
 * this console (the machine may be offline), and no script or style is inline (the CSP forbids
 * both, so injected markup could not run either).
 */
export const pageHtml = (entry: string, preload: readonly string[]) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="light dark">
<title>AIOS console</title>
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script type="module" src="${entry}"></script>
${preload.map((path) => `<link rel="modulepreload" href="${path}">`).join("\n")}
</head>
<body>
<div id="plain-http" class="banner warn" role="alert" hidden></div>
<div id="signin" class="signin" hidden>
  <form id="signin-form" class="card signin-card" autocomplete="off">
    <div class="brand"><img src="/icon.svg" alt="" width="40" height="40"><h1>AIOS</h1></div>
    <label for="secret" id="secret-label">Admin token</label>
    <input id="secret" name="secret" type="password" required autofocus>
    <p class="hint" id="signin-hint">The admin token is in /var/lib/aios/console/admin-token; it was printed on the serial console at first boot.</p>
    <button type="submit" class="primary">Sign in</button>
    <p id="signin-error" class="error" role="alert"></p>
  </form>
</div>
<div id="app" hidden>
  <header class="topbar">
    <div class="brand"><img src="/icon.svg" alt="" width="28" height="28"><span>AIOS</span></div>
    <span id="health-pill" class="pill">…</span>
    <div class="spacer"></div>
    <label class="autonomy">autonomy
      <select id="autonomy"><option value="manual">manual</option><option value="supervised">supervised</option><option value="autonomous">autonomous</option></select>
    </label>
    <button id="estop" class="danger">Emergency stop</button>
    <button id="signout" class="quiet">Sign out</button>
  </header>
  <div id="estop-banner" class="banner" hidden>Emergency stop in force: no goals run. <button id="resume" class="primary">Resume</button></div>
  <nav class="tabs" id="tabs">
    <button data-view="dashboard" class="active">Dashboard</button>
    <button data-view="goals">Goals</button>
    <button data-view="approvals">Approvals <span id="approvals-count" class="count"></span></button>
    <button data-view="audit">Audit</button>
    <button data-view="memory">Memory</button>
    <button data-view="models">Models</button>
    <button data-view="services">Services</button>
    <button data-view="fleet">Fleet</button>
    <button data-view="settings">Settings</button>
  </nav>
  <main>
    <section id="view-dashboard" class="view">
      <div class="grid charts">
        <div class="card"><h2>CPU <span id="cpu-now" class="now"></span></h2><svg id="chart-cpu" class="chart" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
        <div class="card"><h2>Memory <span id="memory-now" class="now"></span></h2><svg id="chart-memory" class="chart" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
        <div class="card"><h2>Disk <span id="disk-now" class="now"></span></h2><svg id="chart-disk" class="chart" viewBox="0 0 300 100" preserveAspectRatio="none"></svg></div>
      </div>
      <div class="grid">
        <div class="card"><h2>Health</h2><div id="degraded"></div><ul id="components" class="plain"></ul></div>
        <div class="card"><h2>Goals</h2><ul id="goal-counts" class="plain"></ul><p id="layers" class="muted"></p></div>
        <div class="card"><h2>Services</h2><ul id="service-summary" class="plain"></ul></div>
      </div>
    </section>
    <section id="view-goals" class="view" hidden>
      <form id="goal-form" class="card goal-box">
        <input id="goal-text" placeholder="Tell AIOS what to do, e.g. disk usage" maxlength="4000" required>
        <button type="submit" class="primary">Submit</button>
      </form>
      <div class="grid goals-grid">
        <div class="card"><h2>Recent goals</h2><ul id="goal-list" class="plain goal-list"></ul></div>
        <div class="card" id="goal-detail"><h2>Goal</h2><p class="muted">Submit a goal or pick one.</p></div>
      </div>
    </section>
    <section id="view-approvals" class="view" hidden>
      <div class="card"><h2>Waiting for you</h2><div id="approval-list"></div></div>
    </section>
    <section id="view-audit" class="view" hidden>
      <div class="card"><h2>Audit ledger</h2>
        <div class="row"><button id="audit-verify" class="primary">Verify the chain</button><span id="audit-result" role="status"></span></div>
        <div class="table-wrap"><table id="audit-table"><thead><tr><th>#</th><th>time</th><th>agent</th><th>tool</th><th>result</th><th>ms</th></tr></thead><tbody></tbody></table></div>
      </div>
    </section>
    <section id="view-memory" class="view" hidden>
      <form id="memory-form" class="card goal-box"><input id="memory-query" placeholder="Search what AIOS remembers" required><button type="submit" class="primary">Search</button></form>
      <div class="card"><h2>Results</h2><ul id="memory-results" class="plain"></ul><p id="memory-stats" class="muted"></p></div>
    </section>
    <section id="view-models" class="view" hidden>
      <div class="card"><h2>Spending this month</h2><p id="no-model-share" class="muted"></p><div id="no-model-curve" class="curve" aria-label="share of planned goals that needed no model, per day"></div><div id="budget"></div></div>
      <div class="card"><h2>Models</h2><div class="table-wrap"><table id="model-table"><thead><tr><th>model</th><th>layer</th><th>state</th><th>queued</th><th>requests</th><th>tokens in/out</th><th>cost</th></tr></thead><tbody></tbody></table></div></div>
    </section>
    <section id="view-services" class="view" hidden>
      <div class="grid goals-grid">
        <div class="card"><h2>Services</h2><div class="table-wrap"><table id="service-table"><thead><tr><th>service</th><th>state</th><th>restarts</th><th>uptime</th></tr></thead><tbody></tbody></table></div></div>
        <div class="card"><h2 id="log-title">Logs</h2><div class="row"><button id="service-restart" class="quiet" hidden>Restart</button></div><pre id="log-view" class="log">Pick a service.</pre></div>
      </div>
    </section>
    <section id="view-fleet" class="view" hidden>
      <p id="fleet-status" class="muted"></p>
      <form id="fleet-form" class="card goal-box">
        <input id="fleet-selector" placeholder="role=web, or a machine's name" maxlength="500" required>
        <input id="fleet-text" placeholder="What should they do? e.g. restart nginx" maxlength="10000" required>
        <button type="submit" class="primary">Send</button>
      </form>
      <div class="card"><h2>Answers <span id="fleet-sent" class="muted"></span></h2><div class="table-wrap"><table><thead><tr><th>machine</th><th>state</th><th>answer</th></tr></thead><tbody id="fleet-results"></tbody></table></div></div>
      <div class="card"><h2>Machines</h2><div class="table-wrap"><table id="fleet-table"><thead><tr><th>machine</th><th>health</th><th>labels</th><th>version</th><th>autonomy</th><th>approvals</th></tr></thead><tbody></tbody></table></div></div>
    </section>
    <section id="view-settings" class="view" hidden>
      <form id="settings-form" class="card goal-box">
        <input id="settings-key" placeholder="key, e.g. console.port" maxlength="200" required>
        <input id="settings-value" placeholder="value, e.g. 9443" maxlength="4096">
        <button type="submit" class="primary">Save</button>
      </form>
      <div class="card"><div class="row"><button id="settings-apply" class="primary">Apply</button><button id="settings-restart" class="quiet" hidden>Restart</button><span id="settings-result" role="status"></span></div><ul id="settings-changes" class="plain"></ul></div>
      <div class="card"><h2>API tokens <span class="muted">programs at /mcp and /v1</span></h2>
        <form id="token-form" class="row">
          <input id="token-name" placeholder="name, e.g. laptop" maxlength="41" pattern="[a-z][a-z0-9-]*" required>
          <input id="token-budget-tokens" type="number" min="0" step="1" placeholder="model tokens a month (0: no limit)">
          <input id="token-budget-usd" type="number" min="0" step="0.01" placeholder="dollars a month (0: no limit)">
          <button type="submit" class="primary">Create</button>
        </form>
        <p id="token-made" hidden>Shown once, keep it: <code id="token-secret"></code></p>
        <div class="table-wrap"><table id="tokens-table"><thead><tr><th>name</th><th>requests</th><th>tokens this month</th><th>cost this month</th><th>last used</th><th></th></tr></thead><tbody></tbody></table></div>
      </div>
      <div class="card"><h2>Configuration <span id="settings-file" class="muted"></span></h2><div class="table-wrap"><table id="settings-table"><thead><tr><th>key</th><th>value</th><th></th></tr></thead><tbody></tbody></table></div></div>
    </section>
  </main>
  <div id="toast" class="toast" role="status" hidden></div>
</div>
</body>
</html>
`;
