// The projector: the lobby with PIN and QR, questions with the server's countdown, reveal, scoreboard, podium.
// Texts go through Django's JavaScript catalogue (gettext, interpolate from /jsi18n/, loaded first).
(function () {
  "use strict";
  // The server's messages are English; the ones a host meets are translated here, by their exact text.
  const SERVER_TEXT = {
    "The game has already moved on; the screen shows where it is now.":
      gettext("The game has already moved on; the screen shows where it is now."),
    "The game has already moved on.": gettext("The game has already moved on."),
    "That question is not open.": gettext("That question is not open."),
    "This game is over.": gettext("This game is over."),
    "That request is no longer waiting: the phone left, or it was already answered.":
      gettext("That request is no longer waiting: the phone left, or it was already answered."),
  };
  // The reveal's fixed bars (typed answers, and nobody answering); choice bars carry the question's own text.
  const BAR_TEXT = { "✔ Correct": gettext("Correct"), "✘ Wrong": gettext("Wrong"), "– No answer": gettext("No answer") };
  const root = document.getElementById("host");
  const $ = (id) => document.getElementById(id);
  const screens = ["lobby", "question", "reveal", "scoreboard", "finished"];
  let socket = null, phase = "lobby", index = -1, players = new Map(), timer = null, retry = 0, question = null;
  let seatRequests = new Map();

  function show(name) { phase = name; for (const s of screens) $(s + "-screen").hidden = s !== name; $("end").hidden = name === "finished"; }
  function send(frame) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame)); }
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
      case "question": renderQuestion(f.question, f.remaining_ms, f.answered); break;
      case "answers": if (f.question === index) { $("answered").textContent = f.answered; $("q-players").textContent = f.players; } break;
      case "reveal": renderReveal(f.reveal); break;
      case "scoreboard": renderScoreboard(f.scoreboard); break;
      case "finished": renderFinished(f.finished); break;
      case "error": $("host-status").textContent = SERVER_TEXT[f.message] || f.message; break;
    }
  }

  function resume(f) {
    players = new Map(f.players.map((p) => [p.id, p])); renderPlayers();
    seatRequests = new Map((f.seat_requests || []).map((r) => [r.id, r])); renderSeatRequests();
    index = f.game.index;
    if (f.game.phase === "lobby") show("lobby");
    if (f.question) question = f.question;
    if (f.game.phase === "question") renderQuestion(f.question, f.remaining_ms, f.answered);
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
      li.innerHTML = "<span>" + esc(p.neptun_code) + "</span>";
      const b = document.createElement("button"); b.type = "button"; b.className = "secondary"; b.textContent = "✕";
      b.setAttribute("aria-label", interpolate(gettext("Remove %(neptun)s"), { neptun: p.neptun_code }, true));
      b.addEventListener("click", () => { if (confirm(interpolate(gettext("Remove %(neptun)s?"), { neptun: p.neptun_code }, true))) send({ type: "remove", player: p.id }); });
      li.appendChild(b); list.appendChild(li);
    }
    $("player-count").textContent = players.size; $("q-players").textContent = players.size;
  }

  function renderQuestion(q, remaining, answered) {
    question = q; index = q.index; show("question");
    $("q-number").textContent = interpolate(gettext("Question %(n)s of %(total)s"), { n: q.index + 1, total: q.count }, true);
    $("q-text").innerHTML = q.kind === "parametric" ? esc(gettext("Parametric question: every player has their own variant on the phone.")) : q.text_html;
    const tiles = $("q-tiles"); tiles.innerHTML = "";
    for (const c of q.choices) {
      const d = document.createElement("div"); d.className = "tile " + c.colour;
      d.innerHTML = '<span class="shape" aria-hidden="true">' + c.symbol + "</span><span>" + c.text_html + "</span>";
      tiles.appendChild(d);
    }
    $("q-input-note").hidden = !q.input;
    $("answered").textContent = answered || 0;
    clearInterval(timer);
    const end = Date.now() + remaining;
    const tick = () => { $("q-timer").textContent = Math.max(0, Math.ceil((end - Date.now()) / 1000)); };
    tick(); timer = setInterval(tick, 250);
  }

  function renderReveal(r) {
    clearInterval(timer); index = r.index; show("reveal");
    $("r-number").textContent = interpolate(gettext("Question %(n)s"), { n: r.index + 1 }, true);
    $("r-text").innerHTML = question && question.kind !== "parametric" ? question.text_html : "";
    $("r-correct").innerHTML = r.correct_html || "—";
    $("r-explanation").innerHTML = r.explanation_html || "";
    $("r-explanation").hidden = !r.explanation_html;
    const most = Math.max(1, ...r.bars.map((b) => b.count));
    const bars = $("r-bars"); bars.innerHTML = "";
    for (const b of r.bars) {
      const d = document.createElement("div"); d.className = "bar" + (b.correct ? " correct" : "");
      d.innerHTML = '<strong>' + b.count + '</strong><div class="fill ' + b.colour + '" style="height:' + (100 * b.count / most) + '%"></div>' +
        '<div class="label">' + b.symbol + " " + esc(BAR_TEXT[b.symbol + " " + b.label] || b.label) + (b.correct ? " ✔" : "") + "</div>";
      bars.appendChild(d);
    }
  }
  function renderScoreboard(s) {
    show("scoreboard"); index = s.index;
    const list = $("top5"); list.innerHTML = "";
    for (const row of s.top) { const li = document.createElement("li"); li.textContent = row.neptun_code + " — " + row.score; list.appendChild(li); }
    $("next").textContent = question && index + 1 >= question.count ? gettext("Podium") : gettext("Next question");
  }
  function renderFinished(f) {
    show("finished");
    const podium = $("podium"); podium.innerHTML = "";
    const order = [1, 0, 2];
    for (const i of order) {
      const row = f.podium[i]; if (!row) continue;
      const d = document.createElement("div"); d.className = "p" + (i + 1);
      d.innerHTML = '<p class="big">' + (i + 1) + '.</p><p class="big">' + esc(row.neptun_code) + "</p><p>" + row.score + "</p>";
      podium.appendChild(d);
    }
    const list = $("ranking"); list.innerHTML = "";
    for (const row of f.ranking) { const li = document.createElement("li"); li.textContent = row.neptun_code + " " + row.display_name + " — " + row.score; list.appendChild(li); }
  }

  function advance() { $("host-status").textContent = ""; send({ type: "advance", phase: phase, index: index }); }
  $("start").addEventListener("click", advance);
  $("to-scoreboard").addEventListener("click", advance);
  $("next").addEventListener("click", advance);
  $("skip").addEventListener("click", () => send({ type: "skip", index: index }));
  $("end").addEventListener("click", () => { if (confirm(gettext("End the game now?"))) send({ type: "end" }); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight" && phase !== "finished" && phase !== "question") advance();
  });
  connect();
})();
