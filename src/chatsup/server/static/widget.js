/* chatsup visitor widget: <script src=".../widget.js" data-site-key="..."></script>
 * Plain JavaScript, no build step. Every text from visitors or advisors is
 * inserted with textContent, never innerHTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var siteKey = script.getAttribute("data-site-key");
  var base = new URL(script.src, location.href).origin;
  var wsBase = base.replace(/^http/, "ws");
  var storeKey = "chatsup.visitor." + siteKey;
  var state = { token: null, ws: null, pending: {}, seq: 0, backoff: 500 };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  var css = el("style");
  css.textContent =
    ".cs-box{position:fixed;right:16px;bottom:16px;width:320px;font:14px sans-serif;" +
    "background:#fff;border:1px solid #ccd;border-radius:8px;box-shadow:0 2px 12px #0003;" +
    "display:flex;flex-direction:column;max-height:70vh;z-index:2147483647}" +
    ".cs-head{background:#246;color:#fff;padding:8px 10px;border-radius:8px 8px 0 0}" +
    ".cs-log{flex:1;overflow:auto;padding:8px;min-height:120px}" +
    ".cs-msg{margin:4px 0;padding:6px 8px;border-radius:6px;white-space:pre-wrap;" +
    "word-wrap:break-word}.cs-visitor{background:#def;margin-left:30px}" +
    ".cs-agent{background:#eee;margin-right:30px}.cs-note{color:#666;font-size:12px}" +
    ".cs-form{display:flex;flex-direction:column;gap:4px;padding:8px;border-top:1px solid #ccd}" +
    ".cs-form input,.cs-form textarea{font:inherit;padding:4px}" +
    ".cs-row{display:flex;gap:4px}.cs-row button{flex:1}.cs-file{display:none}";
  document.head.appendChild(css);

  var box = el("div", "cs-box");
  box.setAttribute("data-chatsup", "widget");
  var head = el("div", "cs-head", "Chat");
  var log = el("div", "cs-log");
  box.appendChild(head);
  box.appendChild(log);

  function note(text) { log.appendChild(el("div", "cs-note", text)); }
  function show(sender, body) {
    var m = el("div", "cs-msg cs-" + sender, body);
    m.setAttribute("data-sender", sender);
    log.appendChild(m);
    log.scrollTop = log.scrollHeight;
  }

  function sizeText(n) {
    if (n < 1024) return n + " B";
    if (n < 1048576) return (n / 1024).toFixed(1) + " KB";
    return (n / 1048576).toFixed(1) + " MB";
  }

  function failed(e) {
    note("Not sent: " + ((e && e.error && e.error.message) || "the file could not be sent"));
  }

  // A file the visitor shares: uploaded (the server sniffs its type and
  // refuses what is not an image, a PDF or text), then sent as a message.
  function shareFile(file) {
    var form = new FormData();
    form.append("file", file, file.name);
    return fetch(base + "/v1/widget/media", {
      method: "POST",
      headers: { Authorization: "Bearer " + state.token },
      body: form
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw j; return j; });
    }).then(function (m) {
      var id = "w" + Date.now().toString(36) + (state.seq++);
      return api("/v1/widget/messages", { media_id: m.media_id, client_id: id }).then(function () {
        var shown = el("div", "cs-msg cs-visitor cs-media", "\ud83d\udcce " + m.name +
          " (" + sizeText(m.size) + ")");
        shown.setAttribute("data-sender", "visitor");
        shown.setAttribute("data-media-id", String(m.media_id));
        log.appendChild(shown);
        log.scrollTop = log.scrollHeight;
      });
    }).catch(failed);
  }

  function api(path, body) {
    var headers = { "Content-Type": "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return fetch(base + path, { method: "POST", headers: headers, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (j) { if (!r.ok) throw j; return j; });
      });
  }

  function chatForm() {
    var form = el("form", "cs-form");
    var input = el("textarea");
    input.name = "body";
    input.rows = 2;
    input.placeholder = "Write a message…";
    var send = el("button", null, "Send");
    send.type = "submit";
    var file = el("input", "cs-file");
    file.type = "file";
    file.name = "file";
    file.accept = "image/*,application/pdf,text/plain";
    var attach = el("button", "cs-attach", "File\u2026");
    attach.type = "button";
    attach.title = "Share an image, a PDF or a text file";
    attach.addEventListener("click", function () { file.click(); });
    file.addEventListener("change", function () {
      if (file.files && file.files[0]) shareFile(file.files[0]);
      file.value = "";
    });
    var row = el("div", "cs-row");
    row.appendChild(attach);
    row.appendChild(send);
    form.appendChild(input);
    form.appendChild(file);
    form.appendChild(row);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = input.value;
      if (!body.trim()) return;
      input.value = "";
      var id = "w" + Date.now().toString(36) + (state.seq++);
      show("visitor", body);
      if (state.ws && state.ws.readyState === 1) {
        state.ws.send(JSON.stringify({ type: "message", body: body, client_id: id }));
      } else {
        api("/v1/widget/messages", { body: body, client_id: id })
          .catch(function (e) { note("Not sent: " + ((e.error && e.error.message) || "error")); });
      }
    });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); send.click(); }
    });
    return form;
  }

  function offlineForm() {
    var form = el("form", "cs-form");
    form.setAttribute("data-chatsup", "offline-form");
    form.appendChild(el("div", "cs-note", "No advisor is online. Leave us a message:"));
    ["name", "email", "phone"].forEach(function (n) {
      var i = el("input");
      i.name = n;
      i.placeholder = n.charAt(0).toUpperCase() + n.slice(1);
      form.appendChild(i);
    });
    var t = el("textarea");
    t.name = "body";
    t.rows = 3;
    t.placeholder = "Your message";
    form.appendChild(t);
    var b = el("button", null, "Send");
    b.type = "submit";
    form.appendChild(b);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = {};
      ["name", "email", "phone", "body"].forEach(function (n) {
        var v = form.elements[n].value.trim();
        if (v) data[n] = v;
      });
      if (!data.body) return;
      api("/v1/widget/offline-messages", data).then(function () {
        form.replaceWith(el("div", "cs-note cs-sent", "Thank you, your message was sent."));
      }).catch(function (e) { note("Not sent: " + ((e.error && e.error.message) || "error")); });
    });
    return form;
  }

  function connect() {
    var ws = new WebSocket(wsBase + "/v1/widget/ws?token=" + encodeURIComponent(state.token));
    state.ws = ws;
    ws.onopen = function () { state.backoff = 500; };
    ws.onmessage = function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === "message.created" && m.data && !m.data.internal &&
          (m.data.sender === "agent" || m.data.sender === "supervisor")) {
        // a supervisor's message is an answer too (the server never sends a note here)
        if (m.data.agent && m.data.agent.name) head.textContent = m.data.agent.name;
        show("agent", m.data.body);
      } else if (m.type === "conversation.ended") {
        note(m.data && m.data.end_reason === "idle"
          ? "The conversation ended after a while without messages. Write to start a new one."
          : "The advisor closed the conversation.");
      } else if (m.type === "error") {
        note("Not sent: " + m.message);
      }
    };
    ws.onclose = function () {
      state.ws = null;
      setTimeout(connect, state.backoff);
      state.backoff = Math.min(state.backoff * 2, 15000);
    };
  }

  function start() {
    document.body.appendChild(box);
    var saved = null;
    try { saved = localStorage.getItem(storeKey); } catch (e) { saved = null; }
    api("/v1/widget/sessions", {
      site_key: siteKey,
      user_agent: navigator.userAgent,
      webrtc: !!(window.RTCPeerConnection || window.webkitRTCPeerConnection),
      referrer: document.referrer || null,
      visitor_token: saved,
      url: location.href
    }).then(function (s) {
      state.token = s.token;
      try { localStorage.setItem(storeKey, s.token); } catch (e) { /* private mode */ }
      box.setAttribute("data-visitor", String(s.visitor_number));
      if (s.presented_agent) {
        head.textContent = s.presented_agent.name;
        box.appendChild(chatForm());
        connect();
      } else if (s.offline_enabled) {
        head.textContent = s.site.name;
        box.appendChild(offlineForm());
      } else {
        head.textContent = s.site.name;
        box.appendChild(el("div", "cs-note cs-closed",
          "No advisor is online and this site does not take messages right now."));
      }
    }).catch(function () { note("Chat unavailable."); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
