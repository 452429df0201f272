// Progressive enhancement for quiz pages: save each answer while the trainee works, and show
// the time left. Without JavaScript the Save buttons do the same job. A typed answer is sent
// when the field changes or loses focus (and after a short pause in typing); the page says
// "Saving…" from the first key pressed until the server has stored the latest text.
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
  var busy = false, again = false, held = null, dirty = false;
  function save() {
    clearTimeout(timer);
    if (busy) { again = true; return; }
    busy = true;
    dirty = false;  // what is sent now is the latest text
    var data = new FormData(form);
    data.delete("go");
    status.textContent = t.saving;
    fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) {
          // Typed on meanwhile: not on the server yet, so still "Saving…".
          status.textContent = (dirty || again) ? t.saving : t.saved;
          return;
        }
        return r.json().then(function (body) { status.textContent = body.message || t.failed; },
                             function () { status.textContent = t.failed; });
      })
      .catch(function () { status.textContent = t.failed; })
      .then(function () {
        busy = false;
        if (held) { release(); } else if (again) { again = false; save(); }
      });
  }
  function typed(target) {
    return target.tagName === "TEXTAREA" || target.type === "text";
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
  form.addEventListener("change", save);  // a choice made, or a text field left changed
  form.addEventListener("focusout", function (e) {
    if (typed(e.target) && dirty) save();
  });
  form.addEventListener("input", function (e) {
    if (!typed(e.target)) return;
    dirty = true;
    status.textContent = t.saving;
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  // Leaving the page (another tab, the phone locks): send the last text once more.
  window.addEventListener("pagehide", function () {
    if (!dirty || !navigator.sendBeacon) return;
    var data = new FormData(form);
    data.delete("go");
    navigator.sendBeacon(form.dataset.autosave, data);
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
