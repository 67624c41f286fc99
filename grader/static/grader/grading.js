// Fast grading: keyboard shortcuts and the 0 / max buttons of the rubric (no inline script: the CSP forbids it).
// n / p: next / previous student; s: save; Shift+S: save and go to the next student; c: write a comment;
// 1-9: the rubric's item with that number. Keys typed into a field stay in the field, except Ctrl/Cmd+Enter,
// which saves the rubric from anywhere in it.
(function () {
  "use strict";
  const form = document.getElementById("rubric-form");

  function click(id) {
    const element = document.getElementById(id);
    if (element) element.click();
    return Boolean(element);
  }

  document.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      const input = document.getElementById(button.dataset.fill);
      if (input) { input.value = button.dataset.value; input.focus(); }
    });
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.matches("input, textarea, select") || target.isContentEditable);
    if (typing) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form && form.contains(target)) {
        event.preventDefault();
        click("save-grade");
      } else if (event.key === "Escape") {
        target.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    let handled = true;
    if (event.key === "n" || event.key === "j") handled = click("next-student");
    else if (event.key === "p" || event.key === "k") handled = click("prev-student");
    else if (event.key === "S") handled = click("save-next") || click("save-grade");
    else if (event.key === "s") handled = click("save-grade");
    else if (event.key === "c") {
      const text = document.getElementById("comment-text");
      if (text) text.focus(); else handled = false;
    } else if (/^[1-9]$/.test(event.key) && form) {
      const marks = form.querySelectorAll("input.mark");
      const input = marks[Number(event.key) - 1];
      if (input) { input.focus(); input.select(); } else handled = false;
    } else handled = false;
    if (handled) event.preventDefault();
  });
})();
