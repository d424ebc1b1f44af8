// Halfpipe dashboard: small enhancements over server-rendered pages. Every change goes through
// the management API (/api/v1) with fetch: same origin, the session cookie, JSON bodies. The
// server decides who may do what; controls a member may not use are not rendered at all.
(function () {
  "use strict";

  var FLASH_KEY = "halfpipe.flash";
  var FOCUS_KEY = "halfpipe.focus";

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  // ---- Feedback -------------------------------------------------------------------------

  var flashTimer = null;

  /** Announces `message` in the page's polite live region. */
  function flash(message) {
    var region = $("#flash");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick makes screen readers announce repeated messages too.
    window.setTimeout(function () {
      region.textContent = message;
    }, 50);
    window.clearTimeout(flashTimer);
    flashTimer = window.setTimeout(function () {
      region.textContent = "";
    }, 8000);
  }

  /** Reloads the page, then announces `message` and focuses `focusSelector` if it exists. */
  function reloadWith(message, focusSelector) {
    try {
      window.sessionStorage.setItem(FLASH_KEY, message);
      if (focusSelector) window.sessionStorage.setItem(FOCUS_KEY, focusSelector);
    } catch (_) {
      /* storage may be disabled; the reload still shows the new state */
    }
    window.location.reload();
  }

  function showPendingFlash() {
    var message = null;
    var focus = null;
    try {
      message = window.sessionStorage.getItem(FLASH_KEY);
      focus = window.sessionStorage.getItem(FOCUS_KEY);
      window.sessionStorage.removeItem(FLASH_KEY);
      window.sessionStorage.removeItem(FOCUS_KEY);
    } catch (_) {
      return;
    }
    if (message) flash(message);
    if (focus) {
      var target = null;
      try {
        target = $(focus);
      } catch (_) {
        target = null;
      }
      if (target) target.focus();
    }
  }

  function showError(element, message) {
    if (!element) {
      flash(message);
      return;
    }
    element.textContent = message;
    element.hidden = false;
  }

  function hideError(element) {
    if (!element) return;
    element.textContent = "";
    element.hidden = true;
  }

  // ---- The management API -----------------------------------------------------------------

  function ApiError(message, param, status) {
    this.message = message;
    this.param = param || null;
    this.status = status || 0;
  }

  /** Calls the management API; resolves to the response's `data`, rejects with an ApiError. */
  function api(method, path, body) {
    var init = {
      method: method,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return window
      .fetch(path, init)
      .catch(function () {
        throw new ApiError("The server cannot be reached. Check the connection and try again.");
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (payload) {
            if (response.ok) return payload ? payload.data : null;
            var error = payload && payload.error;
            var message =
              error && error.message ? error.message : "The request failed (" + response.status + ").";
            throw new ApiError(message, error && error.param, response.status);
          });
      });
  }

  function workspaceApi(rest) {
    return "/api/v1/workspaces/" + encodeURIComponent(document.body.dataset.workspaceId) + rest;
  }

  /** Disables `button` while `work()` runs. */
  function busy(button, work) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    return Promise.resolve()
      .then(work)
      .finally(function () {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      });
  }

  function cssEscape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
  }

  // ---- Dialogs --------------------------------------------------------------------------

  /** Opens a modal dialog and returns focus to whatever opened it when it closes. */
  function openDialog(dialog, focusTarget) {
    var opener = document.activeElement;
    dialog.addEventListener(
      "close",
      function () {
        if (opener && document.body.contains(opener) && typeof opener.focus === "function") {
          opener.focus();
        }
      },
      { once: true }
    );
    dialog.showModal();
    if (focusTarget) focusTarget.focus();
  }

  /** Asks in #confirm-dialog; resolves to true when confirmed. Cancel has the focus first. */
  function confirmAction(message, yesLabel) {
    var dialog = $("#confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      return Promise.resolve(window.confirm(message));
    }
    $("#confirm-message", dialog).textContent = message;
    $("#confirm-yes", dialog).textContent = yesLabel || "Confirm";
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener(
        "close",
        function () {
          resolve(dialog.returnValue === "confirm");
        },
        { once: true }
      );
      openDialog(dialog, $("#confirm-no", dialog));
    });
  }

  // ---- Clipboard --------------------------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return legacyCopy(text);
        }
      );
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    // Inside an open modal dialog, everything outside it is inert.
    (document.querySelector("dialog[open]") || document.body).appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (_) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  // ---- Settings → API keys --------------------------------------------------------------

  function setupCreateKey() {
    var openButton = $("#create-key-button");
    var dialog = $("#create-key-dialog");
    if (!openButton || !dialog) return;
    var form = $("#create-key-form", dialog);
    var title = $("#create-key-title", dialog);
    var error = $("#create-key-error", dialog);
    var reveal = $("#new-key", dialog);
    var value = $("#new-key-value", dialog);
    var announce = $("#key-created-message", dialog);
    var copyStatus = $("#copy-status", dialog);
    var nameInput = $("#key-name", dialog);
    var expiresInput = $("#key-expires-at", dialog);
    var createdName = "";
    var revealed = false;

    function reset() {
      form.reset();
      form.hidden = false;
      reveal.hidden = true;
      value.textContent = "";
      announce.textContent = "";
      copyStatus.textContent = "";
      title.textContent = "Create API key";
      hideError(error);
      $all("[aria-invalid]", form).forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
      revealed = false;
    }

    function fail(message, param) {
      showError(error, message);
      var field = { name: nameInput, expiresAt: expiresInput, description: $("#key-description", dialog) }[param];
      if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
    }

    openButton.addEventListener("click", function () {
      reset();
      openDialog(dialog, nameInput);
    });
    $("#create-key-cancel", dialog).addEventListener("click", function () {
      dialog.close();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      hideError(error);
      var name = nameInput.value.trim();
      if (name.length < 3) {
        fail("Give the key a name of at least 3 characters.", "name");
        return;
      }
      var body = {
        name: name,
        permissions: $all("input[name=permission]:checked", form).map(function (box) {
          return box.value;
        }),
      };
      var description = $("#key-description", dialog).value.trim();
      if (description) body.description = description;
      if (expiresInput.value) {
        var at = new Date(expiresInput.value);
        if (isNaN(at.getTime())) {
          fail("Enter the expiry as a date and time.", "expiresAt");
          return;
        }
        body.expiresAt = at.toISOString();
      }
      busy($("#create-key-submit", dialog), function () {
        return api("POST", workspaceApi("/api-keys"), body).then(
          function (created) {
            createdName = created.name;
            // The plaintext exists only here, in this dialog, until Done.
            value.textContent = created.key;
            form.reset();
            form.hidden = true;
            reveal.hidden = false;
            revealed = true;
            title.textContent = "Save your API key";
            announce.textContent =
              "API key " + created.name + " created. Copy it now: it will not be shown again.";
            $("#copy-key-button", dialog).focus();
          },
          function (err) {
            fail(err.message, err.param);
          }
        );
      });
    });

    $("#copy-key-button", dialog).addEventListener("click", function () {
      copyText(value.textContent).then(function (copied) {
        copyStatus.textContent = copied
          ? "Copied to the clipboard."
          : "Copying failed: select the key and copy it yourself.";
      });
    });

    // While the key is shown, only Done closes the dialog, so Escape cannot lose it by accident.
    // Browsers let a second Escape close a modal dialog without a cancelable "cancel" event
    // (close watchers' abuse protection), so a close that is not Done reopens the dialog.
    var done = false;
    dialog.addEventListener("cancel", function (event) {
      if (revealed) event.preventDefault();
    });
    $("#new-key-done", dialog).addEventListener("click", function () {
      done = true;
      dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (!revealed) return;
      if (!done) {
        dialog.showModal();
        $("#copy-key-button", dialog).focus();
        return;
      }
      done = false;
      value.textContent = "";
      revealed = false;
      reloadWith("API key “" + createdName + "” created.", "#create-key-button");
    });
  }

  function setupKeyRows() {
    $all("tr[data-key-id]").forEach(function (row) {
      var id = row.dataset.keyId;
      var name = row.dataset.keyName;
      var rowSelector = 'tr[data-key-id="' + cssEscape(id) + '"]';
      var keyApi = workspaceApi("/api-keys/" + encodeURIComponent(id));

      var revoke = $(".revoke-key", row);
      if (revoke) {
        revoke.addEventListener("click", function () {
          busy(revoke, function () {
            return api("POST", keyApi + "/revoke").then(
              function () {
                reloadWith("API key “" + name + "” revoked: it stops working at once.", rowSelector + " .reactivate-key");
              },
              function (err) {
                flash(err.message);
              }
            );
          });
        });
      }

      var reactivate = $(".reactivate-key", row);
      if (reactivate) {
        reactivate.addEventListener("click", function () {
          busy(reactivate, function () {
            return api("POST", keyApi + "/reactivate").then(
              function () {
                reloadWith("API key “" + name + "” reactivated.", rowSelector + " .revoke-key");
              },
              function (err) {
                flash(err.message);
              }
            );
          });
        });
      }

      var remove = $(".delete-key", row);
      if (remove) {
        remove.addEventListener("click", function () {
          confirmAction(
            "Delete the API key “" + name + "” permanently? Clients that use it stop working at once, and it cannot be restored.",
            "Delete key"
          ).then(function (yes) {
            if (!yes) return;
            busy(remove, function () {
              return api("DELETE", keyApi).then(
                function () {
                  reloadWith("API key “" + name + "” deleted.", "#create-key-button");
                },
                function (err) {
                  flash(err.message);
                }
              );
            });
          });
        });
      }
    });
  }

  // ---- Members --------------------------------------------------------------------------

  function setupInvite() {
    var form = $("#invite-form");
    if (!form) return;
    var error = $("#invite-error");
    var result = $("#invite-result");
    var link = $("#invite-link");
    var status = $("#invite-status");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      hideError(error);
      status.textContent = "";
      var role = $("#invite-role").value;
      busy($("#invite-button"), function () {
        return api("POST", workspaceApi("/invitations"), { role: role }).then(
          function (created) {
            link.value = created.url;
            result.hidden = false;
            status.textContent =
              "Invitation link for a new " + role + " created. Copy it and send it yourself; it is shown only once.";
            link.focus();
            link.select();
          },
          function (err) {
            showError(error, err.message);
          }
        );
      });
    });
    $("#copy-invite-button").addEventListener("click", function () {
      copyText(link.value).then(function (copied) {
        status.textContent = copied
          ? "Invitation link copied to the clipboard."
          : "Copying failed: select the link and copy it yourself.";
      });
    });
  }

  function setupMemberRows() {
    $all("tr[data-member-id]").forEach(function (row) {
      var id = row.dataset.memberId;
      var email = row.dataset.email;
      var rowSelector = 'tr[data-member-id="' + cssEscape(id) + '"]';

      var save = $(".change-role", row);
      if (save) {
        save.addEventListener("click", function () {
          var role = $(".member-role", row).value;
          busy(save, function () {
            return api("POST", workspaceApi("/members/" + encodeURIComponent(id) + "/role"), { role: role }).then(
              function () {
                reloadWith(email + " is now " + role + ".", rowSelector + " .member-role");
              },
              function (err) {
                flash(err.message);
              }
            );
          });
        });
      }

      var transfer = $(".transfer-ownership", row);
      if (transfer) {
        transfer.addEventListener("click", function () {
          confirmAction(
            "Make " + email + " the owner of this workspace? You become an admin, and only the new owner can give ownership back.",
            "Transfer ownership"
          ).then(function (yes) {
            if (!yes) return;
            busy(transfer, function () {
              return api("POST", workspaceApi("/transfer-ownership"), { memberId: id }).then(
                function () {
                  reloadWith(email + " now owns this workspace.");
                },
                function (err) {
                  flash(err.message);
                }
              );
            });
          });
        });
      }

      var remove = $(".remove-member", row);
      if (remove) {
        remove.addEventListener("click", function () {
          confirmAction("Remove " + email + " from this workspace? They lose access at once.", "Remove member").then(
            function (yes) {
              if (!yes) return;
              busy(remove, function () {
                return api("DELETE", workspaceApi("/members/" + encodeURIComponent(id))).then(
                  function () {
                    reloadWith(email + " was removed from this workspace.");
                  },
                  function (err) {
                    flash(err.message);
                  }
                );
              });
            }
          );
        });
      }
    });

    $all("tr[data-invitation-id]").forEach(function (row) {
      var withdraw = $(".withdraw-invitation", row);
      if (!withdraw) return;
      withdraw.addEventListener("click", function () {
        busy(withdraw, function () {
          return api("DELETE", workspaceApi("/invitations/" + encodeURIComponent(row.dataset.invitationId))).then(
            function () {
              reloadWith("Invitation withdrawn: its link no longer works.");
            },
            function (err) {
              flash(err.message);
            }
          );
        });
      });
    });
  }

  // ---- Accepting an invitation ------------------------------------------------------------

  function setupAcceptInvite() {
    var form = $("#accept-invite-form");
    var card = $("#invitation");
    if (!form || !card) return;
    var error = $("#accept-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      hideError(error);
      var body;
      if (form.dataset.signedIn !== "true") {
        var email = $("#invite-email").value.trim();
        var password = $("#invite-password").value;
        if (!email || password.length < 8) {
          showError(error, "Enter your email and a password of at least 8 characters.");
          (email ? $("#invite-password") : $("#invite-email")).focus();
          return;
        }
        body = { email: email, password: password };
      }
      var path = "/api/v1/invitations/" + encodeURIComponent(card.dataset.token) + "/accept";
      busy($("#accept-invite"), function () {
        return api("POST", path, body).then(
          function () {
            window.location.assign("/w/" + encodeURIComponent(card.dataset.workspaceId) + "/projects");
          },
          function (err) {
            showError(error, err.message);
          }
        );
      });
    });
  }

  function start() {
    showPendingFlash();
    setupCreateKey();
    setupKeyRows();
    setupInvite();
    setupMemberRows();
    setupAcceptInvite();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
