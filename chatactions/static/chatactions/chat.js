/* chatactions client: progressive enhancement of the server-rendered chat.
 *
 * Without this file every button and the message box are plain forms. With it,
 * they speak wire protocol v1 over a WebSocket instead; when the socket is down
 * the forms post as usual, so nothing the user does is lost.
 */
(function () {
  "use strict";

  function ChatClient(root) {
    this.root = root;
    this.list = root.querySelector(".ca-messages");
    this.compose = root.querySelector("[data-compose]");
    this.status = root.querySelector("[data-status]");
    this.notices = root.querySelector("[data-notices]");
    var token = root.querySelector("input[name=csrfmiddlewaretoken]");
    this.csrf = token ? token.value : "";
    this.pending = {};
    this.nextRef = 1;
    this.retries = 0;
    this.socket = null;
    this.root.addEventListener("submit", this.onSubmit.bind(this));
    this.fillTokens(this.root);
    this.connect();
  }

  ChatClient.prototype.url = function () {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + this.root.dataset.socket;
  };

  ChatClient.prototype.connect = function () {
    var self = this;
    var socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = function () {
      self.retries = 0;
      self.setStatus("");
      self.root.dataset.connected = "true";
      // Catch up on whatever was saved since the page was drawn or the socket dropped.
      self.send({ type: "sync", after: self.lastMessageId() });
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      var handler = self["on_" + String(frame.type).replace(".", "_")];
      if (handler) handler.call(self, frame);
    };
    socket.onclose = function (event) {
      delete self.root.dataset.connected;
      self.failPending();
      if (event.code === 4404 || event.code === 4403) {
        self.setStatus("This conversation is not available.");
        return;
      }
      self.setStatus("Connection lost. Reconnecting…");
      var delay = Math.min(30000, 500 * Math.pow(2, self.retries++));
      window.setTimeout(self.connect.bind(self), delay / 2 + Math.random() * delay / 2);
    };
  };

  ChatClient.prototype.isOpen = function () {
    return this.socket && this.socket.readyState === WebSocket.OPEN;
  };

  ChatClient.prototype.send = function (frame, onAck) {
    frame.ref = "c" + this.nextRef++;
    if (onAck) this.pending[frame.ref] = onAck;
    this.socket.send(JSON.stringify(frame));
  };

  ChatClient.prototype.onSubmit = function (event) {
    if (!this.isOpen()) return; // let the form post without JavaScript's help
    var form = event.target;
    if (form.matches("[data-compose]")) {
      event.preventDefault();
      var input = form.elements.content;
      var content = input.value;
      if (!content.trim()) return;
      input.value = "";
      this.send({ type: "message", content: content }, this.showAck.bind(this));
    } else if (form.matches("[data-action-id]")) {
      event.preventDefault();
      var button = form.querySelector("button");
      if (button.getAttribute("aria-busy") === "true") return;
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
      var self = this;
      this.send({ type: "action", id: form.dataset.actionId }, function (ack) {
        button.removeAttribute("aria-busy");
        button.disabled = false;
        self.showAck(ack);
      });
    }
  };

  ChatClient.prototype.failPending = function () {
    var pending = this.pending;
    this.pending = {};
    Object.keys(pending).forEach(function (ref) {
      pending[ref]({ status: "error", detail: "Connection lost." });
    });
  };

  ChatClient.prototype.lastMessageId = function () {
    var items = this.list.querySelectorAll("[data-message-id]");
    return items.length ? items[items.length - 1].dataset.messageId : null;
  };

  ChatClient.prototype.fillTokens = function (scope) {
    // HTML rendered for a broadcast has no request, so no CSRF token: add the page's.
    var csrf = this.csrf;
    scope.querySelectorAll("form[method=post]").forEach(function (form) {
      if (!form.querySelector("input[name=csrfmiddlewaretoken]") && csrf) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "csrfmiddlewaretoken";
        input.value = csrf;
        form.prepend(input);
      }
    });
  };

  ChatClient.prototype.render = function (html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    this.fillTokens(node);
    return node;
  };

  ChatClient.prototype.on_message = function (frame) {
    if (document.getElementById("m-" + frame.id)) return; // already drawn
    this.list.appendChild(this.render(frame.html));
    this.list.lastElementChild.scrollIntoView({ block: "end" });
  };

  ChatClient.prototype.on_message_update = function (frame) {
    var old = document.getElementById("m-" + frame.id);
    if (old) old.replaceWith(this.render(frame.html));
  };

  ChatClient.prototype.on_message_remove = function (frame) {
    var old = document.getElementById("m-" + frame.id);
    if (old) old.remove();
  };

  ChatClient.prototype.on_action_remove = function (frame) {
    var form = this.root.querySelector('[data-action-id="' + frame.id + '"]');
    if (!form) return;
    var group = form.parentElement;
    form.remove();
    if (group && !group.children.length) group.remove();
  };

  ChatClient.prototype.on_ack = function (frame) {
    var callback = this.pending[frame.ref];
    delete this.pending[frame.ref];
    if (callback) callback(frame);
  };

  ChatClient.prototype.on_error = function (frame) {
    this.notice(frame.detail, "error");
  };

  ChatClient.prototype.showAck = function (ack) {
    if (ack.notice) this.notice(ack.notice, "info");
    if (ack.status !== "ok") this.notice(ack.detail || ack.status, "warning");
  };

  ChatClient.prototype.notice = function (text, level) {
    var p = document.createElement("p");
    p.className = "ca-notice ca-notice--" + level;
    p.textContent = text;
    this.notices.appendChild(p);
    window.setTimeout(function () { p.remove(); }, 6000);
  };

  ChatClient.prototype.setStatus = function (text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  };

  function start() {
    document.querySelectorAll("[data-chatactions]").forEach(function (root) {
      root.chatactions = new ChatClient(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
