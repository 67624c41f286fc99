// The question form shows only the fields of the chosen type (without JavaScript every field shows).
(function () {
  "use strict";
  const FIELDS = {
    text: ["single", "multiple", "truefalse", "numeric", "poll"],
    choices: ["single", "multiple", "truefalse", "poll"],
    answer_number: ["numeric"],
    tolerance: ["numeric"],
    generator: ["parametric"],
    notation: ["parametric"],
    scope: ["parametric"],
  };
  // What each type cannot do without: the browser says so before the form is sent.
  const REQUIRED = {
    text: ["single", "multiple", "truefalse", "numeric", "poll"],
    choices: ["single", "multiple", "truefalse", "poll"],
    answer_number: ["numeric"],
    generator: ["parametric"],
  };
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  function wrapper(name) { const field = document.getElementById("id_" + name); return field && field.closest("form > div"); }
  function update() {
    for (const [name, kinds] of Object.entries(FIELDS)) {
      const box = wrapper(name); if (box) box.hidden = !kinds.includes(kind.value);
    }
    for (const [name, kinds] of Object.entries(REQUIRED)) {
      const field = document.getElementById("id_" + name); if (field) field.required = kinds.includes(kind.value);
    }
  }
  kind.addEventListener("change", update);
  update();
})();
// A live preview of the chosen generator: a fresh sample variant from the server.
(function () {
  "use strict";
  const box = document.getElementById("generator-preview"), generator = document.getElementById("id_generator");
  const kind = document.getElementById("id_kind"), notation = document.getElementById("id_notation");
  const scope = document.getElementById("id_scope");
  if (!box || !generator || !kind) return;
  function refresh() {
    const show = kind.value === "parametric" && generator.value;
    box.hidden = !show;
    if (!show) return;
    const url = box.dataset.url.replace("GENERATOR", encodeURIComponent(generator.value)) + "?notation=" + encodeURIComponent(notation ? notation.value : "lecture")
      + "&scope=" + encodeURIComponent(scope ? scope.value : "lecture");
    fetch(url, { credentials: "same-origin" }).then((r) => r.ok ? r.json() : null).then((v) => {
      if (!v) return;
      document.getElementById("preview-prompt").innerHTML = v.prompt_html;
      document.getElementById("preview-answer").textContent = "= " + v.answer;
      document.getElementById("preview-explanation").innerHTML = v.explanation_html;
    });
  }
  for (const el of [kind, generator, notation, scope]) if (el) el.addEventListener("change", refresh);
  document.getElementById("preview-again").addEventListener("click", refresh);
  refresh();
})();
