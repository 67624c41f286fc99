// Live grading status: polls the small JSON endpoint while a submission waits or runs.
// The assignment page updates its rows in place; a submission's own page reloads once it is graded.
// Text from the server (verdicts, file names) is set with textContent only, never as HTML.
// gettext and interpolate come from Django's JavaScript catalogue (/jsi18n/), loaded before this file.
(function () {
  "use strict";
  const BADGES = { scored: "badge ok", failed: "badge bad", running: "badge run", queued: "badge wait", received: "badge wait" };

  function badge(item) {
    const span = document.createElement("span");
    span.className = BADGES[item.status] || "badge";
    let text = item.status_label;
    if (item.status === "queued" && item.queue_position) {
      text += " · " + interpolate(gettext("#%(position)s in line"), { position: item.queue_position }, true);
    }
    if (item.status === "received") text = gettext("Queued");
    span.textContent = text;
    return span;
  }

  function poll(url, onData) {
    let delay = 1500, stopped = false;
    async function tick() {
      if (stopped) return;
      if (document.hidden) { setTimeout(tick, delay); return; }
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) stopped = onData(await response.json()) === false;
      } catch (error) { /* offline for a moment: try again later */ }
      delay = Math.min(delay * 1.25, 10000);
      if (!stopped) setTimeout(tick, delay);
    }
    setTimeout(tick, delay);
  }

  function updateRow(item) {
    const row = document.getElementById("submission-" + item.id);
    if (!row) return;
    row.dataset.status = item.status;
    const status = row.querySelector("[data-field=status]");
    status.replaceChildren(badge(item));
    const score = row.querySelector("[data-field=score_public]");
    score.textContent = item.score_public === null ? "—" : item.score_public.toFixed(4);
    const points = row.querySelector("[data-field=points]");
    if (item.points !== null) points.textContent = item.points;
    else if (item.status === "scored") points.textContent = points.dataset.later || gettext("later");
    const detail = document.getElementById("submission-" + item.id + "-detail");
    if (detail && !item.done) {
      // Grading delayed (a server is down): the server's message, or nothing once it is sent again.
      detail.querySelector("[data-field=verdict_detail]").textContent = item.notice || "";
      detail.hidden = !item.notice;
    }
    if (detail && item.done && item.verdict !== "scored" && item.verdict_detail) {
      const cell = detail.querySelector("[data-field=verdict_detail]");
      cell.textContent = (item.verdict_label ? item.verdict_label + ": " : "") + item.verdict_detail;
      detail.hidden = false;
    }
  }

  const mine = document.getElementById("my-submissions");
  if (mine && mine.dataset.waiting) {
    const note = document.getElementById("live-note");
    if (note) note.textContent = gettext("Updating live…");
    poll(mine.dataset.statusUrl, function (data) {
      let waiting = 0;
      for (const item of data.submissions) {
        updateRow(item);
        if (!item.done) waiting += 1;
      }
      if (waiting === 0 && note) note.textContent = gettext("All graded.");
      return waiting > 0;
    });
  }

  const result = document.getElementById("result");
  if (result && result.dataset.waiting) {
    poll(result.dataset.statusUrl, function (item) {
      const status = result.querySelector("[data-field=status]");
      if (status) status.replaceChildren(badge(item));
      if (item.done) { window.location.reload(); return false; }
      return true;
    });
  }
})();
