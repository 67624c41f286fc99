// The phone: join with PIN + Neptun code, answer, see the result. Protocol: docs/websocket-protocol.md
// Texts go through Django's JavaScript catalogue (gettext, ngettext, interpolate from /jsi18n/, loaded first).
// The server's errors and notices come translated (code, params, message): show the message, switch on the code.
(function () {
  "use strict";
  const SHAPE_NAMES = {
    triangle: gettext("triangle"), diamond: gettext("diamond"), circle: gettext("circle"),
    square: gettext("square"), star: gettext("star"), pentagon: gettext("pentagon"),
  };
  // Answer errors after which sending again cannot help (quizzes/scoring.py ANSWER_FINAL_CODES); after others
  // (an unreadable number, the countdown) the tiles open again.
  const ANSWER_FINAL = new Set(["too_late", "closed", "duplicate", "wrong_question", "not_joined"]);
  // Errors that mean this phone's saved seat token is of no use any more.
  const SEAT_GONE = new Set(["seat_lost", "seat_invalid", "seat_moved_again", "removed"]);
  const SENT = () => gettext("Answer sent ✔ — wait for the result.");
  const root = document.getElementById("play");
  const $ = (id) => document.getElementById(id);
  const screens = ["join", "lobby", "question", "reveal", "scoreboard", "finished", "gone"];
  let socket = null, pin = "", seatKey = "", me = null, question = null, picks = [], timer = null, retry = 0, gone = false;

  function show(name) { for (const s of screens) $(s + "-screen").hidden = s !== name; }
  function status(text) { $("q-status").textContent = text; }
  function send(frame) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame)); }

  function connect(firstFrame) {
    gone = false;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/quizzes/play/" + pin + "/");
    socket.onopen = () => { retry = 0; $("connection").textContent = ""; send(firstFrame()); };
    socket.onmessage = (event) => handle(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (gone || event.code === 4001 || event.code === 4003 || event.code === 4004) return;
      $("connection").textContent = gettext("Connection lost, reconnecting…");
      retry = Math.min(retry + 1, 5);
      setTimeout(() => connect(resumeFrame), 500 * retry);
    };
  }
  function resumeFrame() {
    const seat = localStorage.getItem(seatKey);
    return seat ? { type: "resume", seat: seat } : { type: "join", neptun: $("neptun").value };
  }

  function handle(f) {
    switch (f.type) {
      case "welcome":
        me = f.player; localStorage.setItem(seatKey, f.seat); history.replaceState(null, "", "?pin=" + pin);
        document.querySelectorAll(".me").forEach((e) => { e.textContent = me.neptun_code; });
        break;
      case "lobby": show("lobby"); break;
      case "question": renderQuestion(f); break;
      case "answer.accepted": status(SENT()); lockTiles(); break;
      case "reveal": renderReveal(f); break;
      case "scoreboard":
        show("scoreboard");
        if (f.you) { $("s-total").textContent = f.you.total; $("s-rank").textContent = f.you.rank; }
        break;
      case "finished": renderFinished(f); break;
      case "taken_over": case "removed":
        gone = true; localStorage.removeItem(seatKey);
        $("gone-message").textContent = f.message; show("gone"); break;
      case "seat_request":  // the code's seat is held elsewhere: wait on this socket for the host
        $("join-error").textContent = f.message; show("join"); break;
      case "seat_denied":
        $("join-error").textContent = f.message; show("join"); $("join-button").disabled = false;
        gone = true; socket.close(); break;
      case "error": handleError(f); break;
    }
  }

  function handleError(f) {
    if (f.request === "answer") { status(f.message); if (!ANSWER_FINAL.has(f.code)) unlockTiles(); return; }
    if (f.code === "login_required") {  // the login page sends the phone back to this PIN
      const back = "/quizzes/play/?pin=" + encodeURIComponent(pin);
      $("login-link").href = root.dataset.login.split("?")[0] + "?next=" + encodeURIComponent(back);
      $("login-first").hidden = false;
    }
    if (SEAT_GONE.has(f.code)) { localStorage.removeItem(seatKey); }
    if (!me) { $("join-error").textContent = f.message; show("join"); $("join-button").disabled = false; gone = true; socket.close(); return; }
    status(f.message);
  }

  function renderQuestion(f) {
    question = f.question; picks = [];
    show("question");
    $("q-number").textContent = interpolate(gettext("Question %(n)s of %(total)s"), { n: question.index + 1, total: question.count }, true);
    $("q-text").innerHTML = f.variant ? f.variant.prompt_html : question.text_html;
    const tiles = $("tiles"); tiles.innerHTML = "";
    // A word that would not fit half a phone's width gets the full width: words are never broken.
    const longest = Math.max(0, ...question.choices.map((c) => Math.max(0, ...textOf(c.text_html).split(/\s+/).map((w) => w.length))));
    tiles.className = "tiles count-" + question.choices.length + (longest > 9 ? " one-column" : "");
    requestAnimationFrame(fillScreen);
    for (const c of question.choices) {
      const b = document.createElement("button");
      b.type = "button"; b.className = "tile " + c.colour; b.dataset.index = c.index;
      b.setAttribute("aria-pressed", "false");
      b.innerHTML = '<span class="shape" aria-hidden="true">' + c.symbol + "</span><span>" + c.text_html + "</span>";
      b.setAttribute("aria-label", (SHAPE_NAMES[c.shape] || c.shape) + ": " + b.textContent.slice(1));
      b.addEventListener("click", () => choose(c.index, b));
      tiles.appendChild(b);
    }
    $("submit-picks").hidden = !question.multiple;
    $("typed").hidden = !question.input; $("answer-text").value = "";
    status(f.answered ? SENT() : "");
    unlockTiles();
    if (f.answered) lockTiles();
    startTimer(f.remaining_ms, f.ready_ms || 0);
  }
  // The tiles take the rest of the phone's screen below the question.
  function fillScreen() {
    const tiles = $("tiles"); if ($("question-screen").hidden || tiles.hidden || !tiles.children.length) return;
    const room = window.innerHeight - (tiles.getBoundingClientRect().top + window.scrollY) - 12;
    tiles.style.minHeight = Math.max(room, 60 * tiles.children.length / (tiles.classList.contains("one-column") ? 1 : 2)) + "px";
  }
  window.addEventListener("resize", fillScreen);
  function textOf(html) { const d = document.createElement("div"); d.innerHTML = html; return d.textContent; }
  function choose(index, button) {
    if (question.multiple) {
      const at = picks.indexOf(index);
      if (at >= 0) picks.splice(at, 1); else picks.push(index);
      button.classList.toggle("picked"); button.setAttribute("aria-pressed", String(at < 0));
      return;
    }
    button.classList.add("picked");
    lockTiles(); send({ type: "answer", question: question.index, picks: [index] });
  }
  function lockTiles() { document.querySelectorAll("#tiles .tile, #submit-picks, #typed button").forEach((b) => { b.disabled = true; }); }
  function unlockTiles() { document.querySelectorAll("#tiles .tile, #submit-picks, #typed button").forEach((b) => { b.disabled = false; }); }
  // "Get ready": the answer controls appear when the question opens (the server refuses earlier answers).
  function startTimer(ms, ready) {
    clearInterval(timer);
    const opens = Date.now() + ready, end = Date.now() + ms;
    let waiting = null;
    const tick = () => {
      const now = Date.now(), nowWaiting = now < opens;
      if (nowWaiting !== waiting) {
        waiting = nowWaiting;
        $("p-ready").hidden = !waiting; $("tiles").hidden = waiting; requestAnimationFrame(fillScreen);
        $("typed").hidden = waiting || !question.input; $("submit-picks").hidden = waiting || !question.multiple;
        if (!waiting && question.input && !$("answer-text").disabled) $("answer-text").focus();
      }
      if (waiting) $("p-ready-count").textContent = Math.ceil((opens - now) / 1000);
      $("q-timer").textContent = Math.max(0, Math.ceil((end - Math.max(now, opens)) / 1000));
    };
    tick(); timer = setInterval(tick, 200);
  }

  function renderReveal(f) {
    clearInterval(timer); show("reveal");
    const you = f.you || { answered: false, points: 0, total: 0, rank: "–" };
    const r = $("r-result");
    if (f.reveal.kind === "poll") { r.textContent = gettext("Thanks for voting"); r.className = "big"; }
    else if (!you.answered) { r.textContent = gettext("No answer"); r.className = "big result-bad"; }
    else if (you.correct) { r.textContent = gettext("Correct ✔"); r.className = "big result-ok"; }
    else { r.textContent = gettext("Wrong ✘"); r.className = "big result-bad"; }
    $("r-points").textContent = interpolate(ngettext("+%(points)s point", "+%(points)s points", you.points), { points: you.points }, true) +
      (you.bonus ? " " + interpolate(gettext("(streak bonus %(bonus)s)"), { bonus: you.bonus }, true) : "");
    $("r-total").textContent = you.total; $("r-rank").textContent = you.rank;
    renderAnswers(f, you);
    $("r-variant").innerHTML = f.variant ? "<p class='muted'>" + f.variant.explanation_html + "</p>" : "";
  }
  // "Your answer" beside "The right answer", as text (a choice with its shape).
  function renderAnswers(f, you) {
    const choice = (i) => question && question.choices[i] ? question.choices[i].symbol + "\u00a0" + textOf(question.choices[i].text_html) : "";
    let mine = "", right = "";
    if (you.answered) mine = you.picks && you.picks.length ? you.picks.map(choice).join(", ") : (you.text || "");
    if (f.variant) right = f.variant.answer;
    else if (f.reveal.correct_picks && f.reveal.correct_picks.length) right = f.reveal.correct_picks.map(choice).join(", ");
    else right = textOf(f.reveal.correct_html || "");
    $("r-mine").textContent = you.answered ? mine : gettext("no answer");
    $("r-right").textContent = right;
    $("r-right-line").hidden = f.reveal.kind === "poll" || !right;
  }
  function renderFinished(f) {
    show("finished");
    $("f-rank").textContent = f.you ? "#" + f.you.rank : "–"; $("f-total").textContent = f.you ? f.you.total : 0;
    const list = $("f-podium"); list.innerHTML = "";
    for (const row of f.finished.podium) { const li = document.createElement("li"); li.textContent = row.label + " — " + row.score; list.appendChild(li); }
    localStorage.removeItem(seatKey);
  }

  $("join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    pin = $("pin").value.trim();
    if (!/^\d{6}$/.test(pin)) { $("join-error").textContent = gettext("The PIN is the 6 digits on the projector."); return; }
    if (!/^[A-Za-z0-9]{6}$/.test($("neptun").value.trim())) { $("join-error").textContent = gettext("A Neptun code is 6 letters and digits, e.g. ABC123."); return; }
    $("join-error").textContent = ""; $("join-button").disabled = true; me = null;
    seatKey = "quiz-seat-" + pin;
    localStorage.removeItem(seatKey);
    connect(() => ({ type: "join", neptun: $("neptun").value.trim() }));
  });
  $("submit-picks").addEventListener("click", () => {
    if (!picks.length) { status(gettext("Choose at least one option.")); return; }
    lockTiles(); send({ type: "answer", question: question.index, picks: picks });
  });
  $("typed").addEventListener("submit", (event) => {
    event.preventDefault(); lockTiles();
    send({ type: "answer", question: question.index, text: $("answer-text").value });
  });
  $("rejoin").addEventListener("click", () => { show("join"); $("join-button").disabled = false; });
  document.addEventListener("keydown", (event) => {
    if ($("question-screen").hidden || !question || question.input || event.target.tagName === "INPUT") return;
    const n = parseInt(event.key, 10);
    const tile = document.querySelector('#tiles .tile[data-index="' + (n - 1) + '"]');
    if (tile && !tile.disabled) tile.click();
  });

  // A reload: come back to the same seat.
  pin = root.dataset.pin;
  if (pin) {
    seatKey = "quiz-seat-" + pin;
    if (localStorage.getItem(seatKey)) connect(resumeFrame);
  }
})();
