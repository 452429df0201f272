// Progressive enhancement for quiz pages: save each answer while the trainee works, and show
// the time left. Without JavaScript the Save buttons do the same job.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("save-status");
  var timer = null;
  var messages = {
    fr: { saving: "Enregistrement…", saved: "Réponse enregistrée.", failed: "Pas encore enregistrée : appuyez sur Enregistrer.", left: "Temps restant : " },
    en: { saving: "Saving…", saved: "Answer saved.", failed: "Not saved yet: press Save.", left: "Time left: " }
  };
  var t = messages[document.documentElement.lang] || messages.fr;

  // One autosave at a time, and the Save buttons wait for it: with several server workers a
  // late autosave of an older answer could otherwise overwrite the newer one.
  var busy = false, again = false, held = null;
  function save() {
    if (busy) { again = true; return; }
    busy = true;
    var data = new FormData(form);
    data.delete("go");
    status.textContent = t.saving;
    fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { status.textContent = r.ok ? t.saved : t.failed; })
      .catch(function () { status.textContent = t.failed; })
      .then(function () {
        busy = false;
        if (held) { release(); } else if (again) { again = false; save(); }
      });
  }
  function release() {
    var button = held;
    held = null; again = false;
    if (button.name) {  // form.submit() leaves out which button was pressed
      var go = document.createElement("input");
      go.type = "hidden"; go.name = button.name; go.value = button.value;
      form.appendChild(go);
    }
    form.submit();
  }
  form.addEventListener("submit", function (e) {
    clearTimeout(timer);  // the form carries the answer being typed
    if (!busy) return;
    e.preventDefault();
    held = e.submitter || form.querySelector("button[name=go]");
    setTimeout(function () { if (held) release(); }, 5000);  // never keep a slow line waiting
  });
  form.addEventListener("change", save);
  form.addEventListener("input", function (e) {
    if (e.target.tagName !== "TEXTAREA" && e.target.type !== "text") return;
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  });

  var deadline = parseInt(form.dataset.deadline || "0", 10);
  var countdown = document.getElementById("countdown");
  if (deadline && countdown) {
    countdown.hidden = false;
    var tick = function () {
      var left = Math.max(0, deadline - Math.floor(Date.now() / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      countdown.textContent = t.left + m + ":" + (s < 10 ? "0" : "") + s;
    };
    tick();
    setInterval(tick, 1000);
  }
})();
