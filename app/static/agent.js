// Progressive help for agents: keyboard shortcuts and a queue that refreshes itself.
// Everything works without it.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-row] a"));
  var index = -1;
  function typing() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }
  function focusField(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); el.scrollIntoView({block: "center"}); }
  }
  document.addEventListener("keydown", function (event) {
    if (typing() || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if ((event.key === "j" || event.key === "k") && rows.length) {
      index = Math.max(0, Math.min(rows.length - 1, index + (event.key === "j" ? 1 : -1)));
      rows[index].focus();
      event.preventDefault();
    } else if (event.key === "r") { focusField("reply-body"); event.preventDefault(); }
    else if (event.key === "n") { focusField("note-body"); event.preventDefault(); }
    else if (event.key === "e") { focusField("resolve-summary"); event.preventDefault(); }
  });
  // Live presence on a ticket page: who else is viewing or typing, every 10 seconds.
  var presence = document.getElementById("presence");
  if (presence && presence.dataset.url && window.fetch) {
    var typedAt = 0;
    ["reply-body", "note-body"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field) { field.addEventListener("input", function () { typedAt = Date.now(); }); }
    });
    var poll = function () {
      var activity = Date.now() - typedAt < 15000 ? "typing" : "viewing";
      fetch(presence.dataset.url + "?activity=" + activity, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (presence.textContent.trim() !== data.text) { presence.textContent = data.text; }
          presence.classList.toggle("flash", !!data.text);
          presence.classList.toggle("flash-error", !!data.text);
        })
        .catch(function () {});
    };
    setInterval(poll, 10000);
  }
  var refresh = document.querySelector('meta[name="refresh-seconds"]');
  if (refresh) {
    var seconds = parseInt(refresh.getAttribute("content"), 10) || 30;
    var key = "queue-scroll:" + location.search;
    var saved = sessionStorage.getItem(key);
    if (saved) { window.scrollTo(0, parseInt(saved, 10)); }
    setInterval(function () {
      if (typing() || (document.activeElement && document.activeElement.closest("[data-row]"))) { return; }
      sessionStorage.setItem(key, String(window.scrollY));
      location.reload();
    }, seconds * 1000);
  }
  // Plain-language hint as the agent types (the "Check wording" button does the same without JS).
  var hint = document.getElementById("readability-hint");
  var body = document.getElementById("reply-body");
  if (hint && body && window.fetch) {
    var timer = null;
    var token = document.querySelector('#reply-form input[name="csrf_token"]');
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(hint.getAttribute("data-url"), {
          method: "POST",
          headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.value : ""},
          body: JSON.stringify({text: body.value, language: hint.getAttribute("data-language")})
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
          if (!data) { return; }
          hint.textContent = "";
          var p = document.createElement("p");
          p.className = data.easy ? "hint-ok" : "hint-warn";
          p.textContent = data.message;
          hint.appendChild(p);
          data.jargon.forEach(function (j) {
            var li = document.createElement("p");
            li.textContent = "“" + j.word + "” → “" + j.plain + "”";
            hint.appendChild(li);
          });
        }).catch(function () {});
      }, 600);
    });
  }
})();
