// Reply Coach in the page: finds reply boxes, and once the candidate turns it on for a box and types
// in it, underlines what could hurt the reply and offers fixes and a rewrite in a small panel.
// Nothing is sent before that: focusing a box only shows the "Coach this reply" button.
// The shapes it reads are in types/api.d.ts, generated from openapi.yaml (make clients).
/** @typedef {import("./types/api").ScoreResponse} ScoreResponse */
/** @typedef {import("./types/api").Critique} Critique */
"use strict";

(() => {
  const PAUSE_MS = 400;
  const enabled = new WeakSet();
  const timers = new WeakMap();
  let active = null; // the box being coached
  let spans = [];
  let scoredText = "";
  let mirror = null;

  // ------------------------------------------------------------------ the boxes

  function isReplyBox(element) {
    if (!(element instanceof HTMLElement)) return false;
    if (element instanceof HTMLTextAreaElement) return !element.readOnly && !element.disabled;
    return element.isContentEditable && element === closestEditableRoot(element);
  }

  function closestEditableRoot(element) {
    let root = element;
    while (root.parentElement && root.parentElement.isContentEditable) root = root.parentElement;
    return root;
  }

  // The box's text, and for contenteditable where each character lives (block breaks count as "\n").
  function readBox(box) {
    if (box instanceof HTMLTextAreaElement) return { text: box.value, pieces: null };
    const pieces = [];
    let text = "";
    const walk = (node) => {
      if (node.nodeType === Node.TEXT_NODE) {
        pieces.push({ node, start: text.length });
        text += node.data;
      } else if (node.nodeName === "BR") {
        text += "\n";
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const block = /^(DIV|P|LI|H[1-6]|BLOCKQUOTE)$/.test(node.nodeName);
        if (block && text && !text.endsWith("\n")) text += "\n";
        node.childNodes.forEach(walk);
      }
    };
    walk(box);
    return { text, pieces };
  }

  function positionAt(pieces, offset) {
    for (let i = pieces.length - 1; i >= 0; i -= 1) {
      if (offset >= pieces[i].start) {
        return { node: pieces[i].node, offset: Math.min(offset - pieces[i].start, pieces[i].node.data.length) };
      }
    }
    return null;
  }

  function rangeFor(pieces, start, end) {
    const from = positionAt(pieces, start);
    const to = positionAt(pieces, end);
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    return range;
  }

  // ------------------------------------------------------------------ the panel (its own shadow root)

  const host = document.createElement("div");
  host.id = "reply-coach-panel";
  const shadow = host.attachShadow({ mode: "open" });
  shadow.innerHTML = `
    <style>
      :host { all: initial; }
      .panel { position: fixed; right: 16px; bottom: 16px; width: min(360px, calc(100vw - 32px)); max-height: 70vh;
        overflow: auto; background: #fff; color: #1d2330; border: 1px solid #d7dbe3; border-radius: 12px;
        box-shadow: 0 10px 30px rgba(0,0,0,.18); font: 14px/1.45 system-ui, sans-serif; z-index: 2147483647; padding: 12px; }
      .enable { position: fixed; z-index: 2147483647; font: 13px system-ui, sans-serif; padding: 6px 10px;
        border-radius: 99px; border: 1px solid #1d2330; background: #1d2330; color: #fff; cursor: pointer; }
      h2 { font-size: 15px; margin: 0 0 6px; display: flex; justify-content: space-between; gap: 8px; }
      .score { font-weight: 400; color: #5b6475; }
      .critique { border-left: 4px solid #d97706; padding: 4px 8px; margin: 8px 0; }
      .critique.critical { border-left-color: #c62828; } .critique.info { border-left-color: #2563eb; }
      .critique q { display: block; color: #5b6475; font-style: italic; }
      .critique p { margin: 2px 0; }
      button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid #15803d; color: #15803d;
        background: #fff; padding: 4px 8px; margin: 3px 3px 0 0; text-align: left; }
      button.primary { background: #1d2330; color: #fff; border-color: #1d2330; }
      button.close { border: 0; color: #5b6475; padding: 0 4px; }
      .rewrite { white-space: pre-wrap; background: #f5f6f9; border-radius: 8px; padding: 8px; margin-top: 6px; }
      .status { color: #5b6475; margin: 4px 0; } .status.error { color: #c62828; font-weight: 600; }
    </style>
    <button class="enable" type="button" hidden>Coach this reply</button>
    <section class="panel" hidden aria-label="Reply Coach">
      <h2><span>Reply Coach <span class="score"></span></span><button class="close" type="button" aria-label="Close">✕</button></h2>
      <p class="status" role="status"></p>
      <button class="primary rewrite-button" type="button">Suggest a rewrite</button>
      <div class="rewrite-area" hidden>
        <div class="rewrite"></div>
        <button class="use" type="button">Replace my reply</button>
        <button class="copy" type="button">Copy</button>
      </div>
      <div class="critiques"></div>
    </section>`;
  const $ = (selector) => shadow.querySelector(selector);
  const enableButton = $(".enable");
  const panel = $(".panel");
  let candidate = null; // the box focused but not yet enabled
  let rewriteText = "";

  function mountHost() {
    if (!host.isConnected) document.documentElement.append(host);
  }

  function say(message, isError = false) {
    $(".status").textContent = message;
    $(".status").classList.toggle("error", isError);
  }

  // ------------------------------------------------------------------ talking to the backend (via the worker)

  function send(type, text) {
    return new Promise((resolve) => chrome.runtime.sendMessage({ type, text }, resolve));
  }

  function problem(answer) {
    const error = (answer && answer.body && answer.body.error) || {};
    if (answer && answer.status === 401) return `401 unauthorized: ${error.message || "this backend needs an API key"} Set it in the extension's options.`;
    return error.message || `The backend answered ${answer ? answer.status : "nothing"}.`;
  }

  async function score(box) {
    const { text } = readBox(box);
    if (!text.trim()) { show(box, text, []); return; }
    const answer = await send("score", text);
    if (readBox(box).text !== text) return; // typed on; the next pause scores again
    if (!answer || !answer.ok) { say(problem(answer), true); return; }
    $(".score").textContent = `· grace ${answer.body.overall} · ${answer.body.verdict}`;
    show(box, text, answer.body.critiques || []);
  }

  // ------------------------------------------------------------------ underlines and fixes

  function show(box, text, critiques) {
    scoredText = text;
    const seen = new Map();
    for (const critique of critiques) {
      if (critique.start === null) continue;
      const key = `${critique.start}-${critique.end}`;
      if (!seen.has(key)) seen.set(key, { ...critique, critiques: [] });
      const span = seen.get(key);
      span.critiques.push(critique);
      if (critique.severity === "critical") span.severity = "critical";
    }
    spans = [...seen.values()].sort((a, b) => a.start - b.start)
      .filter((span, i, all) => i === 0 || span.start >= all[i - 1].end);
    underline(box);
    const list = $(".critiques");
    list.replaceChildren();
    for (const span of spans) {
      const card = document.createElement("div");
      card.className = `critique ${span.severity}`;
      const quote = document.createElement("q");
      quote.textContent = span.quote.trim();
      card.append(quote);
      for (const critique of span.critiques) {
        const message = document.createElement("p");
        message.textContent = critique.message;
        card.append(message);
      }
      for (const replacement of span.replacements || []) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "fix";
        button.textContent = replacement === "" ? "Delete it" : `Replace with “${replacement.trim()}”`;
        button.addEventListener("click", () => applyFix(box, span, replacement));
        card.append(button);
      }
      list.append(card);
    }
    say(spans.length ? "" : "Nothing to underline.");
  }

  function underline(box) {
    if (box instanceof HTMLTextAreaElement) { drawMirror(box); return; }
    if (!window.CSS || !CSS.highlights) return;
    const { pieces } = readBox(box);
    const groups = { critical: [], warning: [], info: [] };
    for (const span of spans) {
      const range = rangeFor(pieces, span.start, span.end);
      if (range) groups[span.severity].push(range);
    }
    for (const [severity, ranges] of Object.entries(groups)) {
      CSS.highlights.set(`reply-coach-${severity}`, new Highlight(...ranges));
    }
  }

  // A textarea cannot style its own text: a mirror with the same box and font draws the underlines over it.
  function drawMirror(box) {
    if (!mirror) {
      mirror = document.createElement("div");
      mirror.className = "reply-coach-mirror";
      mirror.setAttribute("aria-hidden", "true");
      document.body.append(mirror);
    }
    const style = getComputedStyle(box);
    for (const property of ["font", "letterSpacing", "lineHeight", "padding", "borderStyle", "borderWidth",
      "textAlign", "textIndent", "tabSize", "wordSpacing"]) {
      mirror.style[property] = style[property];
    }
    // The mirror takes the box's outer size, and leaves room for its scroll bar so lines wrap alike.
    mirror.style.boxSizing = "border-box";
    mirror.style.paddingRight = `${parseFloat(style.paddingRight) + (box.offsetWidth - box.clientWidth
      - parseFloat(style.borderLeftWidth) - parseFloat(style.borderRightWidth))}px`;
    mirror.style.borderColor = "transparent";
    placeMirror(box);
    const nodes = [];
    let at = 0;
    for (const span of spans) {
      nodes.push(document.createTextNode(scoredText.slice(at, span.start)));
      const mark = document.createElement("mark");
      mark.className = span.severity;
      mark.textContent = scoredText.slice(span.start, span.end);
      nodes.push(mark);
      at = span.end;
    }
    nodes.push(document.createTextNode(`${scoredText.slice(at)}\n`));
    mirror.replaceChildren(...nodes);
    mirror.scrollTop = box.scrollTop;
  }

  function placeMirror(box) {
    if (!mirror) return;
    const rect = box.getBoundingClientRect();
    mirror.style.left = `${rect.left + window.scrollX}px`;
    mirror.style.top = `${rect.top + window.scrollY}px`;
    mirror.style.width = `${rect.width}px`;
    mirror.style.height = `${rect.height}px`;
  }

  function applyFix(box, span, replacement) {
    const { text, pieces } = readBox(box);
    if (text !== scoredText) { score(box); return; }
    box.focus();
    if (box instanceof HTMLTextAreaElement) {
      box.setSelectionRange(span.start, span.end);
    } else {
      const range = rangeFor(pieces, span.start, span.end);
      if (!range) return;
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    // execCommand types like the candidate would: the page's own editor sees the change, and undo works.
    const done = replacement === "" ? document.execCommand("delete") : document.execCommand("insertText", false, replacement);
    if (!done && box instanceof HTMLTextAreaElement) box.setRangeText(replacement, span.start, span.end, "end");
    score(box);
  }

  async function rewrite() {
    if (!active) return;
    const { text } = readBox(active);
    say("Rewriting…");
    const answer = await send("coach", text);
    if (!answer || !answer.ok) { say(problem(answer), true); return; }
    rewriteText = answer.body.rewrite ? answer.body.rewrite.text : "";
    $(".rewrite").textContent = rewriteText;
    $(".rewrite-area").hidden = !rewriteText;
    say(rewriteText ? `Rewrite: grace ${answer.body.rewrite.scores.overall} (${answer.body.rewrite.scores.verdict}).` : "No rewrite.");
  }

  function useRewrite() {
    if (!active || !rewriteText) return;
    active.focus();
    if (active instanceof HTMLTextAreaElement) active.select();
    else getSelection().selectAllChildren(active);
    if (!document.execCommand("insertText", false, rewriteText) && active instanceof HTMLTextAreaElement) active.value = rewriteText;
    score(active);
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener("focusin", (event) => {
    const box = event.target instanceof HTMLElement && event.target.isContentEditable
      ? closestEditableRoot(event.target) : event.target;
    if (!isReplyBox(box) || enabled.has(box)) return;
    mountHost();
    candidate = box;
    const rect = box.getBoundingClientRect();
    enableButton.style.top = `${Math.max(4, rect.top + 4)}px`;
    enableButton.style.left = `${Math.max(4, rect.right - 150)}px`;
    enableButton.hidden = false;
  });

  enableButton.addEventListener("mousedown", (event) => event.preventDefault()); // keep the box focused
  enableButton.addEventListener("click", () => {
    if (!candidate) return;
    enabled.add(candidate);
    active = candidate;
    enableButton.hidden = true;
    panel.hidden = false;
    say("On for this box: problems are underlined as you type.");
    candidate.focus();
  });

  document.addEventListener("input", (event) => {
    const target = event.target instanceof HTMLElement && event.target.isContentEditable
      ? closestEditableRoot(event.target) : event.target;
    if (!enabled.has(target)) return; // nothing is sent for a box the candidate has not turned on
    active = target;
    panel.hidden = false;
    clearTimeout(timers.get(target));
    timers.set(target, setTimeout(() => score(target), PAUSE_MS));
  }, true);

  document.addEventListener("scroll", (event) => {
    if (mirror && active instanceof HTMLTextAreaElement) {
      if (event.target === active) mirror.scrollTop = active.scrollTop;
      placeMirror(active);
    }
  }, true);
  window.addEventListener("resize", () => { if (active instanceof HTMLTextAreaElement) placeMirror(active); });

  $(".close").addEventListener("click", () => { panel.hidden = true; });
  $(".rewrite-button").addEventListener("click", rewrite);
  $(".use").addEventListener("click", useRewrite);
  $(".copy").addEventListener("click", () => navigator.clipboard.writeText(rewriteText).then(() => say("Copied.")));
})();
