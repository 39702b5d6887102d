/* chatactions client: progressive enhancement of the server-rendered chat.
 *
 * Without this file every button and the message box are plain forms, and a
 * button with a confirmation links to a confirmation page. With it, the same
 * markup speaks wire protocol v1 over a WebSocket: clicks and form submissions
 * show a spinner until their ack (an invalid form is drawn again with its errors;
 * a form with a file field is posted by fetch, answered in the ack's shape),
 * confirmations open a <dialog>, new messages appear in place, and a
 * dropped socket is announced, pauses the buttons and reconnects with
 * exponential backoff, then asks the server for what it missed. A streamed
 * message grows as its "message.stream" frames come, each placed at its "at"
 * offset (a tab that already has the text skips it; one that sees a gap asks
 * for the message again), and "task.start"/"task.end" show "Assistant is
 * working…" with a Stop button.
 *
 * Every change the server makes has a position in the conversation's sequence,
 * and every frame says which. The tab keeps the position up to which it has
 * seen everything (the page starts it at data-seq); a sync asks for every
 * change after it, page by page, and each frame is applied idempotently: a
 * message is drawn in its newest state whatever order frames arrive in, and a
 * removed message or button never comes back.
 *
 * No dependencies and no inline code: it works under a strict
 * Content-Security-Policy. Its texts come translated in the page itself, in
 * the chat's <script type="application/json" id="ca-strings-..."> element
 * (data, not code); the English below is only the fallback.
 */
(function () {
  "use strict";

  var BACKOFF_BASE_MS = 500;
  var BACKOFF_MAX_MS = 10000;
  var RELOAD_DELAY_MS = 1000; // after a 4401 close
  var NOTICE_MS = 6000;
  // A stream gap not filled by a refetch (the saved text lags): ask again after this.
  var REFETCH_MS = 1000;
  var SYNC_RETRY_MS = 1000;

  // What the clicker reads when a click is refused (the no-JavaScript door says the same).
  var ENGLISH_REFUSED = {
    busy: "That action is already running.",
    gone: "That button is no longer available.",
    not_found: "That button is no longer available.",
    rate_limited: "Too many requests; wait a moment and try again.",
    error: "Something went wrong.",
    invalid: "That could not be sent."
  };

  // The buttons a dropped socket pauses: every button's, and every form's submit.
  var BUTTONS = ".ca-action-form button, .ca-form button[type=submit]";

  var ENGLISH_STATES = {
    connecting: "Connecting…",
    open: "Live",
    closed: "Reconnecting…",
    unavailable: "Offline"
  };

  var ENGLISH_OTHER = {
    unavailable: "This conversation is not available.",
    lost: "The connection dropped before the answer came. It will show when the chat reconnects.",
    upload_failed: "The form could not be sent. Check the connection and try again."
  };

  // The page's translation of each English text, key by key: a page drawn by an
  // older or overridden template, or missing a key, still says something.
  function pageStrings(root) {
    var data = {};
    var element = root.querySelector("script[type='application/json'][id^='ca-strings-']");
    if (element) {
      try { data = JSON.parse(element.textContent) || {}; } catch (e) { data = {}; }
    }
    function merge(english, translated) {
      var out = {};
      Object.keys(english).forEach(function (key) {
        var text = translated && translated[key];
        out[key] = typeof text === "string" && text ? text : english[key];
      });
      return out;
    }
    return {
      refused: merge(ENGLISH_REFUSED, data.refused),
      states: merge(ENGLISH_STATES, data.states),
      other: merge(ENGLISH_OTHER, data.other)
    };
  }

  function ChatClient(root) {
    this.root = root;
    this.text = pageStrings(root);
    // Times in the page's language, not the browser's: the rest of the chat is in it.
    var lang = root.closest("[lang]");
    this.locales = lang && lang.lang ? [lang.lang] : [];
    this.list = root.querySelector("[data-messages]");
    this.compose = root.querySelector("[data-compose]");
    this.input = this.compose.elements.content;
    this.sendButton = this.compose.querySelector("button[type=submit]");
    this.connection = root.querySelector("[data-connection]");
    this.connectionText = root.querySelector("[data-connection-text]");
    this.banner = root.querySelector("[data-banner]");
    this.notices = root.querySelector("[data-notices]");
    this.dialog = root.querySelector("[data-dialog]");
    var token = this.compose.querySelector("input[name=csrfmiddlewaretoken]");
    this.csrf = token ? token.value : "";
    this.pending = {};
    this.nextRef = 1;
    this.retries = 0;
    this.retryTimer = null;
    this.socket = null;
    this.everOpen = false;
    this.asking = null;
    this.state = "connecting";
    this.seq = Number(root.dataset.seq) || 0; // every change up to here is shown
    this.ahead = {}; // positions seen beyond this.seq (live frames may arrive out of order)
    this.goneMessages = {}; // removals are for good: a late frame must not bring one back
    this.goneActions = {};
    this.working = root.querySelector("[data-working]");
    this.tasks = {}; // running task id -> the timer that forgets it when its lease lapses
    this.deltas = {}; // message id -> stream deltas that arrived before the text they follow
    this.refetching = {}; // message id -> a pending fetch timer
    this.staleTimers = {}; // message id -> the timer that asks after a silent stream

    root.addEventListener("submit", this.onSubmit.bind(this));
    var retry = root.querySelector("[data-retry]");
    if (retry) retry.addEventListener("click", this.reconnectNow.bind(this));
    window.addEventListener("online", this.reconnectNow.bind(this));
    document.addEventListener("visibilitychange", this.onVisible.bind(this));
    if (this.dialog) this.dialog.addEventListener("close", this.onDialogClose.bind(this));

    this.fillTokens(root);
    this.localizeTimes(root);
    this.watchExpiry(root);
    this.fadeNotices();
    if (this.connection) this.connection.hidden = false;
    this.connect();
  }

  // Connection --------------------------------------------------------------------

  ChatClient.prototype.url = function () {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + this.root.dataset.socket;
  };

  ChatClient.prototype.connect = function () {
    var self = this;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    var socket = new WebSocket(this.url());
    this.socket = socket;
    if (!this.everOpen) this.setState("connecting");
    socket.onopen = function () {
      self.retries = 0;
      self.everOpen = true;
      self.setState("open");
      self.sync();
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      var handler = self["on_" + String(frame.type).replace(".", "_")];
      if (handler) handler.call(self, frame);
    };
    socket.onclose = function (event) {
      if (self.socket !== socket) return; // an older socket, already replaced
      self.socket = null;
      self.failPending();
      if (event.code === 4401) {
        // The session ended (logout, login, expiry): the page shows the login or a fresh
        // start. Waiting a moment lets the tab that logged in or out store its new cookie.
        self.setState("closed");
        window.setTimeout(function () { window.location.reload(); }, RELOAD_DELAY_MS);
        return;
      }
      if (event.code === 4404 || event.code === 4403) {
        self.setState("unavailable");
        self.notice(self.text.other.unavailable, "error");
        return;
      }
      self.setState("closed");
      // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
      var delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * Math.pow(2, self.retries++));
      self.retryTimer = window.setTimeout(self.connect.bind(self), delay / 2 + Math.random() * delay / 2);
    };
  };

  ChatClient.prototype.reconnectNow = function () {
    if (this.state === "closed" && this.retryTimer !== null) this.connect();
  };

  ChatClient.prototype.onVisible = function () {
    if (document.visibilityState === "visible") this.reconnectNow();
  };

  ChatClient.prototype.isOpen = function () {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  };

  ChatClient.prototype.setState = function (state) {
    this.state = state;
    this.root.dataset.state = state;
    var label = this.text.states[state];
    if (this.connectionText && this.connectionText.textContent !== label) {
      this.connectionText.textContent = label;
    }
    // Before the first connection the forms still work on their own; after a drop
    // they would post to a server that may be down, so the buttons pause instead.
    var paused = this.everOpen && state !== "open";
    if (this.banner) this.banner.hidden = !(this.everOpen && state === "closed");
    this.root.toggleAttribute("data-paused", paused);
    this.root.querySelectorAll(BUTTONS).forEach(this.refreshButton, this);
    this.sendButton.disabled = paused;
  };

  ChatClient.prototype.refreshButton = function (button) {
    var form = button.form;
    button.disabled =
      button.hasAttribute("data-disabled") ||
      form.hasAttribute("data-gone") ||
      form.hasAttribute("data-expired") ||
      this.root.hasAttribute("data-paused");
  };

  ChatClient.prototype.send = function (frame, onAck) {
    frame.ref = "c" + this.nextRef++;
    if (onAck) this.pending[frame.ref] = onAck;
    this.socket.send(JSON.stringify(frame));
  };

  ChatClient.prototype.failPending = function () {
    var pending = this.pending;
    this.pending = {};
    Object.keys(pending).forEach(function (ref) {
      pending[ref]({ status: "lost" });
    });
  };

  // Catching up ------------------------------------------------------------------

  // Every change after the tab's position, a page at a time, until none is left.
  ChatClient.prototype.sync = function (more) {
    var self = this;
    // A sync's first page: the last page resends a task.start for each task still
    // running, before its ack; forget the rest, and show "working" only if one came.
    if (!more) {
      Object.keys(this.tasks).forEach(function (id) { window.clearTimeout(self.tasks[id]); });
      this.tasks = {};
    }
    this.send({ type: "sync", since: this.seq }, function (ack) {
      if (ack.status === "rate_limited") {
        window.setTimeout(function () { if (self.isOpen()) self.sync(); }, SYNC_RETRY_MS);
        return;
      }
      if (ack.status !== "ok" || typeof ack.seq !== "number") return;
      self.seq = ack.seq;
      Object.keys(self.ahead).forEach(function (seen) {
        if (Number(seen) <= self.seq) delete self.ahead[seen];
      });
      self.advance();
      if (ack.has_more && self.isOpen()) self.sync(true);
      else self.showWorking();
    });
  };

  // A live frame's position: the tab's position moves only over positions it has seen,
  // so a frame still on its way when the socket drops is asked for again.
  ChatClient.prototype.saw = function (seq) {
    if (typeof seq !== "number" || seq <= this.seq) return;
    this.ahead[seq] = true;
    this.advance();
  };

  ChatClient.prototype.advance = function () {
    while (this.ahead[this.seq + 1]) {
      delete this.ahead[this.seq + 1];
      this.seq += 1;
    }
  };

  // Frames from the server, one handler per frame type ---------------------------

  // A message frame (new, updated or resent by a sync) is the message's whole state
  // at its position: drawn unless the tab already shows that state or a newer one.
  ChatClient.prototype.on_message = function (frame) {
    this.saw(frame.seq);
    if (this.goneMessages[frame.id]) return;
    var old = this.find(frame.id);
    if (old && this.mergeStream(old, frame)) return;
    if (old && Number(old.dataset.seq) >= frame.seq) return;
    var node = this.render(frame.html);
    node.querySelectorAll("[data-action-id], [data-form-id]").forEach(function (form) {
      if (this.goneActions[form.dataset.actionId || form.dataset.formId]) this.removeForm(form);
    }, this);
    if (!old) {
      this.insert(node);
      this.streamStarted(node, frame);
      if (frame.from_user) node.scrollIntoView({ block: "nearest" });
      return;
    }
    // Only buttons gone: drop them, without disturbing the rest (focus, a spinner).
    var added = Array.prototype.some.call(node.querySelectorAll("[data-action-id]"), function (form) {
      return !old.querySelector('[data-action-id="' + form.dataset.actionId + '"]');
    });
    var oldContent = old.querySelector(".ca-content");
    var newContent = node.querySelector(".ca-content");
    if (added || !oldContent || !newContent || oldContent.innerHTML !== newContent.innerHTML) {
      old.replaceWith(node);
      this.streamStarted(node, frame);
      return;
    }
    old.dataset.seq = frame.seq;
    old.querySelectorAll("[data-action-id]").forEach(function (form) {
      if (!node.querySelector('[data-action-id="' + form.dataset.actionId + '"]')) this.removeForm(form);
    }, this);
    this.streamStarted(old, frame);
  };

  ChatClient.prototype.on_message_update = ChatClient.prototype.on_message;

  // Streams -------------------------------------------------------------------------

  // A streaming copy of a message that is streaming here too: keep the longer text
  // (text only grows, so the longer one is the newer), never a shorter saved one; a
  // later position (buttons removed meanwhile) drops the buttons it no longer has.
  ChatClient.prototype.mergeStream = function (old, frame) {
    if (frame.stream !== "streaming" || old.dataset.stream !== "streaming") return false;
    var box = old.querySelector("[data-stream-text]");
    if (box && box.textContent.length < frame.content.length) box.textContent = frame.content;
    if (Number(old.dataset.seq) < frame.seq) {
      old.dataset.seq = frame.seq;
      var kept = {};
      frame.actions.forEach(function (action) { kept[action.id] = true; });
      old.querySelectorAll("[data-action-id]").forEach(function (form) {
        if (!kept[form.dataset.actionId]) this.removeForm(form);
      }, this);
    }
    this.drain(old, frame.id);
    this.expectNews(frame.id, frame.lease);
    return true;
  };

  ChatClient.prototype.streamStarted = function (node, frame) {
    if (frame.stream === "streaming") {
      this.drain(node, frame.id);
      this.expectNews(frame.id, frame.lease);
    } else {
      this.forgetStream(frame.id);
    }
  };

  // A delta takes no position: it is text within a message whose start and end do.
  ChatClient.prototype.on_message_stream = function (frame) {
    if (this.goneMessages[frame.id]) return;
    var node = this.find(frame.id);
    if (node && node.dataset.stream !== "streaming") return; // ended here already
    (this.deltas[frame.id] = this.deltas[frame.id] || []).push([frame.at, frame.delta]);
    if (!node) {
      this.refetch(frame.id, 0); // a stream this tab has not seen start
      return;
    }
    this.drain(node, frame.id);
    this.expectNews(frame.id);
  };
  // Apply every delta that begins within the text this tab has; a delta beyond it is a
  // gap (frames missed while connecting): keep it and ask for the message again.
  ChatClient.prototype.drain = function (node, id) {
    var box = node.querySelector("[data-stream-text]");
    var pending = this.deltas[id] || [];
    var progress = true;
    while (box && progress) {
      progress = false;
      var have = box.textContent.length;
      for (var i = 0; i < pending.length; i++) {
        var at = pending[i][0], delta = pending[i][1];
        if (at > have) continue;
        if (at + delta.length > have) box.appendChild(document.createTextNode(delta.slice(have - at)));
        pending.splice(i, 1);
        progress = true;
        break;
      }
    }
    if (pending.length) this.refetch(id, 0);
    else delete this.deltas[id];
  };

  ChatClient.prototype.refetch = function (id, delay) {
    if (this.refetching[id] !== undefined) return;
    var self = this;
    this.refetching[id] = window.setTimeout(function () {
      if (!self.isOpen()) { delete self.refetching[id]; return; }
      self.send({ type: "fetch", id: id }, function () {
        delete self.refetching[id];
        var node = self.find(id);
        // Still a gap: the saved text lags the stream by up to a save interval.
        if (self.deltas[id] && node && node.dataset.stream === "streaming") self.refetch(id, REFETCH_MS);
      });
    }, delay);
  };

  // No news of a stream for its lease: ask, and the server marks a dead worker's
  // stream interrupted, so no tab spins forever.
  ChatClient.prototype.expectNews = function (id, lease) {
    if (lease) this.staleTimers[id + ":lease"] = lease;
    var wait = (this.staleTimers[id + ":lease"] || 10) * 1000 + 500;
    window.clearTimeout(this.staleTimers[id]);
    var self = this;
    this.staleTimers[id] = window.setTimeout(function () { self.refetch(id, 0); }, wait);
  };

  ChatClient.prototype.forgetStream = function (id) {
    delete this.deltas[id];
    window.clearTimeout(this.staleTimers[id]);
    delete this.staleTimers[id];
    delete this.staleTimers[id + ":lease"];
  };

  // The task indicator ----------------------------------------------------------------

  ChatClient.prototype.on_task_start = function (frame) {
    window.clearTimeout(this.tasks[frame.id]);
    // Sent again as the lease is renewed; a task whose worker died lapses here too.
    this.tasks[frame.id] = window.setTimeout(
      this.endTask.bind(this, frame.id), (frame.lease || 10) * 1000 + 1000
    );
    this.showWorking();
  };

  ChatClient.prototype.on_task_end = function (frame) {
    this.endTask(frame.id);
  };

  ChatClient.prototype.endTask = function (id) {
    window.clearTimeout(this.tasks[id]);
    delete this.tasks[id];
    this.showWorking();
  };

  ChatClient.prototype.showWorking = function () {
    if (this.working) this.working.hidden = Object.keys(this.tasks).length === 0;
  };

  ChatClient.prototype.on_message_remove = function (frame) {
    this.saw(frame.seq);
    this.goneMessages[frame.id] = true;
    this.forgetStream(frame.id);
    var old = this.find(frame.id);
    if (!old) return;
    var hadFocus = old.contains(document.activeElement);
    old.remove();
    if (hadFocus) this.input.focus();
  };

  ChatClient.prototype.on_action_remove = function (frame) {
    this.saw(frame.seq);
    this.goneActions[frame.id] = true;
    var form = this.root.querySelector(
      '[data-action-id="' + frame.id + '"], [data-form-id="' + frame.id + '"]'
    );
    if (form) this.removeForm(form);
  };

  ChatClient.prototype.on_ack = function (frame) {
    var callback = this.pending[frame.ref];
    delete this.pending[frame.ref];
    if (callback) callback(frame);
  };

  ChatClient.prototype.on_error = function (frame) {
    this.notice(frame.detail || this.text.refused.error, "error");
  };

  // Drawing --------------------------------------------------------------------------

  ChatClient.prototype.find = function (messageId) {
    return this.list.querySelector('[data-message-id="' + messageId + '"]');
  };

  ChatClient.prototype.render = function (html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    this.fillTokens(node);
    this.localizeTimes(node);
    this.watchExpiry(node);
    node.querySelectorAll(BUTTONS).forEach(this.refreshButton, this);
    return node;
  };

  // Messages go in the order they were saved, even when a broadcast overtakes a sync.
  ChatClient.prototype.insert = function (node) {
    var stamp = Number(node.dataset.ts || 0);
    var before = null;
    var item = this.list.lastElementChild;
    while (item && Number(item.dataset.ts || 0) > stamp) {
      before = item;
      item = item.previousElementSibling;
    }
    this.list.insertBefore(node, before);
  };

  ChatClient.prototype.removeForm = function (form) {
    var group = form.matches("[data-form-id]") ? null : form.parentElement;
    var hadFocus = form.contains(document.activeElement);
    var next = group && (form.nextElementSibling || form.previousElementSibling);
    form.remove();
    if (group && !group.querySelector("[data-action-id]")) group.remove();
    if (hadFocus) {
      // Keep keyboard users where they were: on the next button, or in the message box.
      var button = next && next.querySelector("button:not(:disabled)");
      (button || this.input).focus();
    }
  };

  ChatClient.prototype.fillTokens = function (scope) {
    // HTML rendered for a broadcast has no request, so no CSRF token: add the page's.
    var csrf = this.csrf;
    if (!csrf) return;
    var forms = Array.prototype.slice.call(scope.querySelectorAll("form[method=post]"));
    if (scope.matches("form[method=post]")) forms.push(scope); // a form drawn again on its own
    forms.forEach(function (form) {
      if (!form.querySelector("input[name=csrfmiddlewaretoken]")) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        input.value = csrf;
        form.prepend(input);
      }
    });
  };

  ChatClient.prototype.localizeTimes = function (scope) {
    var locales = this.locales;
    scope.querySelectorAll("time.ca-time[datetime]").forEach(function (time) {
      var date = new Date(time.getAttribute("datetime"));
      if (!isNaN(date)) {
        time.textContent = date.toLocaleTimeString(locales, { hour: "2-digit", minute: "2-digit" });
      }
    });
  };

  // A button with expires_at turns itself off when it expires (the server answers
  // "gone" after that time anyway; this only saves a pointless click).
  ChatClient.prototype.watchExpiry = function (scope) {
    var self = this;
    scope.querySelectorAll("[data-expires-at]").forEach(function (form) {
      var left = new Date(form.dataset.expiresAt).getTime() - Date.now();
      if (isNaN(left)) return;
      var expire = function () {
        form.setAttribute("data-expired", "");
        var button = form.querySelector("button");
        if (button) self.refreshButton(button);
      };
      if (left <= 0) expire();
      else if (left < 2147483647) window.setTimeout(expire, left);
    });
  };

  // Notices -------------------------------------------------------------------------

  ChatClient.prototype.notice = function (text, level) {
    var p = document.createElement("p");
    p.className = "ca-notice ca-notice--" + level;
    p.textContent = text;
    this.notices.appendChild(p);
    window.setTimeout(function () { p.remove(); }, NOTICE_MS);
  };

  ChatClient.prototype.fadeNotices = function () {
    // Notices the server drew after a form post go away like the live ones.
    this.notices.querySelectorAll(".ca-notice").forEach(function (p) {
      window.setTimeout(function () { p.remove(); }, NOTICE_MS);
    });
  };

  ChatClient.prototype.showAck = function (ack) {
    if (ack.status === "lost") {
      this.notice(this.text.other.lost, "warning");
      return;
    }
    if (ack.notice) this.notice(ack.notice, ack.status === "ok" ? "success" : "info");
    if (ack.status === "ok" || ack.status === "cancelled") return; // a stop shows on its message
    var text = ack.status === "invalid" || (ack.status === "error" && ack.detail)
      ? ack.detail
      : this.text.refused[ack.status];
    this.notice(text || this.text.refused.error, ack.status === "error" ? "error" : "warning");
  };

  // What the user does --------------------------------------------------------------

  ChatClient.prototype.onSubmit = function (event) {
    var form = event.target;
    var isAction = form.matches("[data-action-id]");
    var isForm = form.matches("[data-form-id]");
    if (form.matches("[data-stop]")) {
      if (!this.isOpen()) return; // the plain form posts the Stop
      event.preventDefault();
      this.send({ type: "stop" }, this.showAck.bind(this));
      return;
    }
    if (form !== this.compose && !isAction && !isForm) return; // e.g. the dialog's own form
    if (!this.isOpen()) {
      // Never connected yet: the plain form does the job. After a drop: wait.
      if (this.everOpen) event.preventDefault();
      return;
    }
    event.preventDefault();
    if (isForm) {
      this.submitForm(form);
      return;
    }
    if (!isAction) {
      this.sendMessage();
      return;
    }
    var button = form.querySelector("button");
    if (button.disabled || button.getAttribute("aria-busy") === "true") return;
    if (form.dataset.confirm && this.dialog && this.dialog.showModal) this.ask(form, button);
    else this.click(form, button);
  };

  ChatClient.prototype.sendMessage = function () {
    var content = this.input.value;
    if (!content.trim()) return;
    this.input.value = "";
    var button = this.sendButton;
    var self = this;
    button.setAttribute("aria-busy", "true");
    this.send({ type: "message", content: content }, function (ack) {
      button.removeAttribute("aria-busy");
      if (ack.status === "invalid" && !self.input.value) self.input.value = content;
      self.showAck(ack);
    });
  };

  ChatClient.prototype.click = function (form, button) {
    var self = this;
    button.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
    this.send({ type: "action", id: form.dataset.actionId }, function (ack) {
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
      if (ack.status === "gone" || ack.status === "not_found") {
        form.setAttribute("data-gone", "");
        self.refreshButton(button);
      }
      self.showAck(ack);
    });
  };

  // A form's values as the submit frame carries them: a string per field, a list for
  // a multiple choice, true for a ticked lone checkbox (an unticked one sends nothing).
  ChatClient.prototype.formValues = function (form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || field.disabled || name === "csrfmiddlewaretoken") return;
      if (field.type === "submit" || field.type === "button" || field.type === "file") return;
      var many = form.querySelectorAll('[name="' + name + '"]').length > 1;
      if (field.type === "checkbox" && !many) {
        if (field.checked) data[name] = true;
      } else if (field.type === "checkbox") {
        if (!data[name]) data[name] = [];
        if (field.checked) data[name].push(field.value);
      } else if (field.type === "radio") {
        if (field.checked) data[name] = field.value;
      } else if (field.multiple) {
        data[name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        data[name] = field.value;
      }
    });
    return data;
  };

  // A form's submission: values in a submit frame, or, with a file field, the form itself
  // posted over HTTP (files do not travel in frames). Either way one ack-shaped answer.
  ChatClient.prototype.submitForm = function (form) {
    var button = form.querySelector("button[type=submit]");
    if (!button || button.disabled || button.getAttribute("aria-busy") === "true") return;
    var self = this;
    button.setAttribute("aria-busy", "true");
    button.setAttribute("aria-disabled", "true");
    var answered = function (ack) {
      button.removeAttribute("aria-busy");
      button.removeAttribute("aria-disabled");
      self.formAnswered(form, button, ack);
    };
    if (form.enctype === "multipart/form-data") this.postForm(form, answered);
    else this.send({ type: "submit", id: form.dataset.formId, data: this.formValues(form) }, answered);
  };

  // The form with its files, posted to its own action (the CSRF token is in it) by fetch,
  // asking for JSON: views.submit answers as the socket's ack would. The other tabs
  // learn the outcome through the socket, as for a submit frame.
  ChatClient.prototype.postForm = function (form, answered) {
    var failed = { status: "error", detail: this.text.other.upload_failed };
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // Not ours (a proxy's 413, a CSRF failure page): say the form was not sent.
      return json ? response.json() : failed;
    }).then(answered, function () { answered(failed); });
  };

  ChatClient.prototype.formAnswered = function (form, button, ack) {
    if (ack.status === "invalid" && ack.html && form.isConnected) {
      // Drawn again by the server: the errors beside their fields, the values kept.
      var drawn = this.render(ack.html);
      form.replaceWith(drawn);
      var first = drawn.querySelector("[aria-invalid=true]") || drawn.querySelector("[role=alert]");
      if (first) {
        if (!first.hasAttribute("aria-invalid")) first.setAttribute("tabindex", "-1");
        first.focus();
      }
      return;
    }
    if (ack.status === "gone" || ack.status === "not_found") {
      form.setAttribute("data-gone", "");
      this.refreshButton(button);
      this.notice(ack.detail || this.text.refused.gone, "warning");
      return;
    }
    this.showAck(ack);
  };

  ChatClient.prototype.ask = function (form, button) {
    var confirmButton = this.dialog.querySelector("[data-dialog-confirm]");
    this.dialog.querySelector("[data-dialog-question]").textContent = form.dataset.confirm;
    confirmButton.textContent = button.querySelector(".ca-label").textContent;
    confirmButton.className = button.className;
    this.asking = { form: form, button: button };
    this.dialog.returnValue = "";
    this.dialog.showModal();
  };

  ChatClient.prototype.onDialogClose = function () {
    var asked = this.asking;
    this.asking = null;
    if (!asked) return;
    if (asked.button.isConnected) asked.button.focus();
    if (this.dialog.returnValue === "confirm" && asked.form.isConnected && this.isOpen()) {
      this.click(asked.form, asked.button);
    }
  };

  function start() {
    document.querySelectorAll("[data-chatactions]").forEach(function (root) {
      if (!root.chatactions) root.chatactions = new ChatClient(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
