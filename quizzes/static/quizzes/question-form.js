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
  };
  const kind = document.getElementById("id_kind");
  if (!kind) return;
  function wrapper(name) { const field = document.getElementById("id_" + name); return field && field.closest("form > div"); }
  function update() {
    for (const [name, kinds] of Object.entries(FIELDS)) {
      const box = wrapper(name); if (box) box.hidden = !kinds.includes(kind.value);
    }
  }
  kind.addEventListener("change", update);
  update();
})();
