// The projector: the lobby with PIN and QR, questions with the server's countdown, reveal, scoreboard, podium.
// Texts go through Django's JavaScript catalogue (gettext, interpolate from /jsi18n/, loaded first); the server's
// error frames come translated (code, params, message), so the screen shows their message as it is.
(function () {
  "use strict";
  // The reveal's fixed bars (typed answers, and nobody answering); choice bars carry the question's own text.
  const BAR_TEXT = { "✔ Correct": gettext("Correct"), "✘ Wrong": gettext("Wrong"), "– No answer": gettext("No answer") };
  const root = document.getElementById("host");
  const $ = (id) => document.getElementById(id);
  const screens = ["lobby", "question", "reveal", "scoreboard", "finished"];
  let socket = null, phase = "lobby", index = -1, players = new Map(), timer = null, retry = 0, question = null;
  let seatRequests = new Map();

  function show(name) { phase = name; for (const s of screens) $(s + "-screen").hidden = s !== name; $("end").hidden = name === "finished"; }
  function send(frame) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame)); }
  function masked(code) { return code.slice(0, 2) + "•••" + code.slice(-1); }
  function esc(text) { const d = document.createElement("div"); d.textContent = text; return d.innerHTML; }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/quizzes/host/" + root.dataset.game + "/");
    socket.onopen = () => { retry = 0; $("connection").textContent = ""; };
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (event.code === 4003 || event.code === 4004) return;
      $("connection").textContent = gettext("Connection lost, reconnecting…");
      retry = Math.min(retry + 1, 5); setTimeout(connect, 500 * retry);
    };
  }

  function handle(f) {
    switch (f.type) {
      case "state": resume(f); break;
      case "player": onPlayer(f); break;
      case "seat_request": onSeatRequest(f); break;
      case "question": renderQuestion(f.question, f.remaining_ms, f.answered, f.ready_ms); break;
      case "answers": if (f.question === index) showAnswered(f.answered, f.players); break;
      case "reveal": renderReveal(f.reveal); break;
      case "scoreboard": renderScoreboard(f.scoreboard); break;
      case "finished": renderFinished(f.finished); break;
      case "error": $("host-status").textContent = f.message; break;
    }
  }

  function resume(f) {
    players = new Map(f.players.map((p) => [p.id, p])); renderPlayers();
    seatRequests = new Map((f.seat_requests || []).map((r) => [r.id, r])); renderSeatRequests();
    index = f.game.index;
    if (f.game.phase === "lobby") show("lobby");
    if (f.question) question = f.question;
    if (f.game.phase === "question") renderQuestion(f.question, f.remaining_ms, f.answered, f.ready_ms);
    if (f.game.phase === "reveal") renderReveal(f.reveal);
    if (f.game.phase === "scoreboard") renderScoreboard(f.scoreboard);
    if (f.game.phase === "finished") renderFinished(f.finished);
  }

  function onPlayer(f) {
    if (f.event === "removed") players.delete(f.player.id); else players.set(f.player.id, f.player);
    renderPlayers();
    if (f.event === "takeover") $("host-status").textContent = interpolate(gettext("%(neptun)s continues on another device."), { neptun: f.player.neptun_code }, true);
  }
  // A device asks for a seat another device holds: the host approves (the seat moves) or denies.
  function onSeatRequest(f) {
    if (f.event === "asked") seatRequests.set(f.request.id, f.request); else seatRequests.delete(f.request.id);
    renderSeatRequests();
  }
  function renderSeatRequests() {
    const list = $("seat-request-list"); list.innerHTML = "";
    for (const r of seatRequests.values()) {
      const li = document.createElement("li"); li.dataset.request = r.id;
      const who = r.logged_in_as ? " " + interpolate(gettext("(logged in as %(user)s)"), { user: r.logged_in_as }, true) : "";
      const text = document.createElement("span");
      text.textContent = interpolate(gettext("%(neptun)s asks to continue on another device."), { neptun: r.player.neptun_code }, true) + who + " ";
      li.appendChild(text);
      for (const [label, type] of [[gettext("Approve"), "approve"], [gettext("Deny"), "deny"]]) {
        const b = document.createElement("button"); b.type = "button"; b.textContent = label;
        b.className = type === "deny" ? "secondary" : ""; b.dataset.action = type;
        b.addEventListener("click", () => send({ type: type, request: r.id }));
        li.appendChild(b);
      }
      list.appendChild(li);
    }
    $("seat-requests").hidden = seatRequests.size === 0;
  }
  function renderPlayers() {
    const list = $("players"); list.innerHTML = "";
    for (const p of players.values()) {
      const li = document.createElement("li");
      // The lobby is projected too: a masked code on the chip; the full code only in the remove button's label.
      li.innerHTML = "<span>" + esc(masked(p.neptun_code)) + "</span>";
      const b = document.createElement("button"); b.type = "button"; b.className = "secondary"; b.textContent = "✕";
      b.setAttribute("aria-label", interpolate(gettext("Remove %(neptun)s"), { neptun: p.neptun_code }, true));
      b.addEventListener("click", () => { if (confirm(interpolate(gettext("Remove %(neptun)s?"), { neptun: p.neptun_code }, true))) send({ type: "remove", player: p.id }); });
      li.appendChild(b); list.appendChild(li);
    }
    $("player-count").textContent = players.size; showAnswered(parseInt($("answered").textContent, 10) || 0, players.size);
  }
  // The answer count fills a bar as the answers come in.
  function showAnswered(answered, total) {
    $("answered").textContent = answered; $("q-players").textContent = total;
    const share = total ? Math.min(100, 100 * answered / total) : 0;
    $("answer-fill").style.width = share + "%"; $("answer-bar").setAttribute("aria-valuenow", Math.round(share));
  }

  // "Get ready": the question and a countdown first; the timer bar starts when the question opens.
  function renderQuestion(q, remaining, answered, ready) {
    question = q; index = q.index; show("question");
    $("q-number").textContent = interpolate(gettext("Question %(n)s of %(total)s"), { n: q.index + 1, total: q.count }, true);
    $("q-text").innerHTML = q.kind === "parametric" ? esc(gettext("Parametric question: every player has their own variant on the phone.")) : q.text_html;
    const tiles = $("q-tiles"); tiles.innerHTML = "";
    for (const c of q.choices) {
      const d = document.createElement("div"); d.className = "tile " + c.colour;
      d.innerHTML = '<span class="shape" aria-hidden="true">' + c.symbol + "</span><span class=\"text\">" + c.text_html + "</span>";
      tiles.appendChild(d);
    }
    $("q-input-note").hidden = !q.input;
    showAnswered(answered || 0, players.size);
    clearInterval(timer);
    const opens = Date.now() + (ready || 0), end = Date.now() + remaining, span = Math.max(1, end - opens);
    let shownReady = -1, lastSecond = -1;
    const tick = () => {
      const now = Date.now();
      const waiting = now < opens;
      $("ready").hidden = !waiting; tiles.hidden = waiting;
      if (waiting) {
        const left = Math.ceil((opens - now) / 1000);
        if (left !== shownReady) { shownReady = left; $("ready-count").textContent = left; window.hallSound.play("tick"); }
        $("timer-fill").style.width = "100%"; $("q-timer").textContent = Math.ceil(span / 1000);
        return;
      }
      if (shownReady !== 0) { shownReady = 0; window.hallSound.play("go"); }
      const left = Math.max(0, end - now), second = Math.ceil(left / 1000);
      $("q-timer").textContent = second;
      $("timer-fill").style.width = (100 * left / span) + "%";
      $("timer-bar").setAttribute("aria-valuenow", Math.round(100 * left / span));
      $("timer-bar").classList.toggle("late", left < 5000);
      if (second !== lastSecond && second <= 3 && second > 0) window.hallSound.play("tick");
      if (left === 0 && lastSecond !== 0) window.hallSound.play("end");
      lastSecond = second;
    };
    tick(); timer = setInterval(tick, 100);
  }

  function renderReveal(r) {
    clearInterval(timer); index = r.index; show("reveal");
    $("r-number").textContent = interpolate(gettext("Question %(n)s"), { n: r.index + 1 }, true);
    $("r-text").innerHTML = question && question.kind !== "parametric" ? question.text_html : "";
    $("r-correct").innerHTML = r.correct_html || "—";
    $("r-explanation").innerHTML = r.explanation_html || "";
    $("r-explanation").hidden = !r.explanation_html;
    window.hallSound.play("reveal");
    const most = Math.max(1, ...r.bars.map((b) => b.count));
    const bars = $("r-bars"); bars.innerHTML = "";
    for (const b of r.bars) {
      const d = document.createElement("div"); d.className = "bar" + (b.correct ? " correct" : "");
      d.innerHTML = "<strong>" + b.count + '</strong><div class="fill ' + b.colour + '"></div><div class="label"></div>';
      d.querySelector(".fill").style.height = (100 * b.count / most) + "%";  // CSSOM: allowed by the CSP
      // A choice's bar carries its shape, and a tick when it is right; the fixed bars carry their own mark.
      const fixed = BAR_TEXT[b.symbol + " " + b.label];
      d.querySelector(".label").textContent = fixed ? b.symbol + " " + fixed : b.symbol + " " + b.label + (b.correct ? " ✔" : "");
      bars.appendChild(d);
    }
    renderParametric(r.parametric);
  }
  // A parametric question: one worked example, the share correct, the most common mistakes by kind.
  function renderParametric(p) {
    $("r-parametric").hidden = !p; $("r-share").hidden = !p; $("r-answer-line").hidden = !!p;
    $("reveal-screen").classList.toggle("parametric", !!p);
    if (!p) return;
    $("r-share").textContent = p.answered
      ? interpolate(gettext("%(percent)s answered correctly (%(right)s of %(answered)s)"), { percent: p.percent_correct + "%", right: p.correct, answered: p.answered }, true)
      : gettext("Nobody answered.");
    $("r-example").innerHTML = '<div class="example-prompt">' + p.example.prompt_html + "</div>" +
      '<p class="big example-answer"></p><div class="example-working">' + p.example.explanation_html + "</div>";
    $("r-example").querySelector(".example-answer").textContent = "= " + p.example.answer;
    const list = $("r-mistakes"); list.innerHTML = "";
    for (const m of p.mistakes) {  // the generators' mistake names are catalogue entries (tests/quizzes/test_hall.py)
      const li = document.createElement("li");
      li.textContent = interpolate(ngettext("%(mistake)s: %(count)s player", "%(mistake)s: %(count)s players", m.count), { mistake: gettext(m.mistake), count: m.count }, true);
      list.appendChild(li);
    }
    $("r-no-mistakes").hidden = p.mistakes.length > 0;
  }
  function renderScoreboard(s) {
    show("scoreboard"); index = s.index;
    const list = $("top5"); list.innerHTML = "";
    for (const row of s.top) { const li = document.createElement("li"); li.textContent = row.label + " — " + row.score; list.appendChild(li); }
    $("next").textContent = question && index + 1 >= question.count ? gettext("Podium") : gettext("Next question");
  }
  function renderFinished(f) {
    show("finished");
    const podium = $("podium"); podium.innerHTML = "";
    const order = [1, 0, 2];
    for (const i of order) {
      const row = f.podium[i]; if (!row) continue;
      const d = document.createElement("div"); d.className = "p" + (i + 1);
      d.innerHTML = '<p class="big">' + row.rank + '.</p><p class="big">' + esc(row.label) + "</p><p>" + row.score + "</p>";
      podium.appendChild(d);
    }
    // Places 4 and 5 under the podium; nobody else is projected (the results page has everyone).
    const list = $("ranking"); list.innerHTML = "";
    for (const row of f.podium.slice(3, 5)) { const li = document.createElement("li"); li.textContent = row.label + " — " + row.score; list.appendChild(li); }
    list.hidden = f.podium.length <= 3;
  }

  function advance() { $("host-status").textContent = ""; send({ type: "advance", phase: phase, index: index }); }
  $("start").addEventListener("click", advance);
  $("fullscreen").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen().catch(() => {});
  });
  function showSound() {
    const on = window.hallSound.enabled();
    $("sound").textContent = on ? gettext("Sound: on") : gettext("Sound: off"); $("sound").setAttribute("aria-pressed", String(on));
  }
  $("sound").addEventListener("click", () => { window.hallSound.setEnabled(!window.hallSound.enabled()); showSound(); });
  showSound();
  $("to-scoreboard").addEventListener("click", advance);
  $("next").addEventListener("click", advance);
  $("skip").addEventListener("click", () => send({ type: "skip", index: index }));
  $("end").addEventListener("click", () => { if (confirm(gettext("End the game now?"))) send({ type: "end" }); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight" && phase !== "finished" && phase !== "question") advance();
  });
  connect();
})();
