// Sound cues for the projector, made in the browser with the Web Audio API: no sound files.
// window.hallSound.play("tick" | "go" | "end" | "reveal"); the instructor's switch is kept per browser.
(function () {
  "use strict";
  const KEY = "quiz-host-sound";
  // Each cue is a few short tones: [frequency Hz, start s, length s].
  const CUES = {
    tick: [[660, 0, 0.08]],
    go: [[523, 0, 0.12], [784, 0.12, 0.22]],
    end: [[784, 0, 0.12], [523, 0.14, 0.3]],
    reveal: [[523, 0, 0.1], [659, 0.1, 0.1], [784, 0.2, 0.25]],
  };
  let context = null;
  let played = [];  // what was played, for the browser tests (a page cannot be heard there)

  function enabled() { return localStorage.getItem(KEY) !== "off"; }
  function setEnabled(on) { localStorage.setItem(KEY, on ? "on" : "off"); }
  function play(name) {
    const cue = CUES[name];
    if (!cue || !enabled()) return;
    played.push(name);
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      context = context || new Context();
      if (context.state === "suspended") context.resume();
      const now = context.currentTime;
      for (const [frequency, start, length] of cue) {
        const osc = context.createOscillator(), gain = context.createGain();
        osc.type = "triangle"; osc.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, now + start);
        gain.gain.exponentialRampToValueAtTime(0.25, now + start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + start + length);
        osc.connect(gain).connect(context.destination);
        osc.start(now + start); osc.stop(now + start + length + 0.05);
      }
    } catch (error) { /* no audio device: the game goes on silently */ }
  }
  window.hallSound = { play: play, enabled: enabled, setEnabled: setEnabled, played: () => played.slice() };
})();
