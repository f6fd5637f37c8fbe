// The extension's only network code: it calls the configured Reply Coach backend for the content script.
"use strict";

const DEFAULTS = { backendUrl: "http://127.0.0.1:8000", apiKey: "" };

async function settings() {
  return { ...DEFAULTS, ...(await chrome.storage.local.get(["backendUrl", "apiKey"])) };
}

async function call(path, body) {
  const { backendUrl, apiKey } = await settings();
  const headers = { "Content-Type": "application/json" };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  try {
    const response = await fetch(new URL(path, backendUrl), { method: "POST", headers, body: JSON.stringify(body) });
    let json = null;
    try { json = await response.json(); } catch (_) { /* not JSON */ }
    return { ok: response.ok, status: response.status, body: json };
  } catch (error) {
    return { ok: false, status: 0, body: { error: { code: "unreachable", message: `Cannot reach ${backendUrl}: ${error.message}`, field: null } } };
  }
}

chrome.runtime.onMessage.addListener((message, _sender, reply) => {
  if (message && message.type === "score") {
    call("/v1/score", { text: message.text, context: null, options: { critiques: true } }).then(reply);
    return true;
  }
  if (message && message.type === "coach") {
    call("/v1/coach", { draft: message.text, context: null, options: { rewrite: true } }).then(reply);
    return true;
  }
  return false;
});

chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());
