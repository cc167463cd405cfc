// Security keys and passkeys (WebAuthn). Pages work without this file: the authenticator
// app code is always there. Buttons stay hidden unless the browser can do WebAuthn.
(function () {
  "use strict";
  var supported = window.PublicKeyCredential &&
    PublicKeyCredential.parseCreationOptionsFromJSON &&
    PublicKeyCredential.parseRequestOptionsFromJSON;

  function post(url, csrf, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function say(button, text) {
    var status = document.getElementById(button.dataset.status);
    if (status) { status.textContent = text; }
  }

  var add = document.getElementById("passkey-add");
  if (add && supported) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var csrf = add.dataset.csrf;
      say(add, add.dataset.working);
      post(add.dataset.options, csrf).then(function (options) {
        return navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)
        });
      }).then(function (credential) {
        var name = document.getElementById("passkey-name");
        return post(add.dataset.register, csrf, {
          credential: credential.toJSON(), name: name ? name.value : ""
        });
      }).then(function () {
        window.location.reload();
      }).catch(function () { say(add, add.dataset.failed); });
    });
  }

  var use = document.getElementById("passkey-use");
  if (use && supported) {
    use.hidden = false;
    use.addEventListener("click", function () {
      var csrf = use.dataset.csrf;
      say(use, use.dataset.working);
      post(use.dataset.options, csrf).then(function (options) {
        return navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)
        });
      }).then(function (credential) {
        return post(use.dataset.verify, csrf, { credential: credential.toJSON() });
      }).then(function (result) {
        window.location.assign(result.next);
      }).catch(function () { say(use, use.dataset.failed); });
    });
  }
}());
