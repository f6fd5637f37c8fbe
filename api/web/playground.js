// The Reply Coach playground: plain browser JavaScript, no build step, talking only to this service.
"use strict";

(() => {
  const PAUSE_MS = 300;
  const PRINCIPLES = [
    ["reputation", "Reputation"], ["door_open", "Door open"], ["resilience", "Resilience"],
    ["feedback", "Feedback"], ["networking", "Networking"], ["confidence", "Confidence"],
  ];
  const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
  const $ = (id) => document.getElementById(id);
  const draft = $("draft");
  const backdrop = $("backdrop");
  const popover = $("popover");
  const statusLine = $("status");
  const writePane = document.querySelector(".write");

  let apiKey = sessionStorage.getItem("replyCoachKey") || "";
  let spans = []; // [{start, end, quote, severity, critiques: [...], replacements: [...]}] for `scoredText`
  let critiques = [];
  let scoredText = "";
  let scoreTimer = 0;
  let scoreAbort = null;
  let pinned = null; // the span whose popover was opened by a click or the caret
  let rewriteText = "";

  // ------------------------------------------------------------------ talking to the service

  class ApiError extends Error {
    constructor(status, envelope) {
      const error = (envelope && envelope.error) || {};
      super(error.message || `The service answered ${status}.`);
      this.status = status;
      this.code = error.code || String(status);
    }
  }

  function headers() {
    const h = { "Content-Type": "application/json" };
    if (apiKey) h.Authorization = `Bearer ${apiKey}`;
    return h;
  }

  function context() {
    const value = (id) => $(id).value.trim() || null;
    const ctx = { received_message: value("received"), recipient_name: value("recipient"), sender_name: value("sender") };
    return Object.values(ctx).some((v) => v !== null) ? ctx : null;
  }

  async function post(path, body, signal) {
    const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
    if (!response.ok) {
      let envelope = null;
      try { envelope = await response.json(); } catch (_) { /* not JSON */ }
      throw new ApiError(response.status, envelope);
    }
    return response;
  }

  let statusKind = "";
  let statusAt = 0;

  // kind "hint" is what scoring says about the underlines; it never covers a fresh answer to an action.
  function say(message, isError = false, kind = "action") {
    if (kind === "hint" && statusKind !== "hint" && statusLine.textContent && Date.now() - statusAt < 4000) return;
    statusLine.textContent = message;
    statusLine.classList.toggle("error", isError);
    statusKind = kind;
    statusAt = Date.now();
  }

  function failed(error) {
    if (error.name === "AbortError") return;
    if (error.status === 401) {
      $("key-form").hidden = false;
      say(`401 unauthorized: ${error.message} Enter an API key above.`, true);
      $("api-key").focus();
      return;
    }
    say(error.status ? `${error.status} ${error.code}: ${error.message}` : `Could not reach the service: ${error.message}`, true);
  }

  // ------------------------------------------------------------------ scoring as the candidate types

  function scheduleScore() {
    clearTimeout(scoreTimer);
    scoreTimer = setTimeout(scoreNow, PAUSE_MS);
  }

  async function scoreNow() {
    clearTimeout(scoreTimer);
    const text = draft.value;
    if (scoreAbort) scoreAbort.abort();
    if (!text.trim()) {
      showCritiques(text, []);
      say("", false, "hint");
      return;
    }
    scoreAbort = new AbortController();
    try {
      const response = await post("/v1/score", { text, context: context(), options: { critiques: true } }, scoreAbort.signal);
      const body = await response.json();
      if (draft.value !== text) return; // typed on; the next pause scores again
      showScores(body);
      showCritiques(text, body.critiques || []);
      say(body.critiques.some((c) => c.start !== null && c.severity !== "info")
        ? "Underlined: click a line, or pick it below, to see why and fix it."
        : "Nothing to underline.", false, "hint");
    } catch (error) {
      failed(error);
    }
  }

  function showScores(scores) {
    $("overall").textContent = scores.overall;
    const verdict = $("verdict");
    verdict.textContent = scores.verdict;
    verdict.className = `verdict ${scores.verdict}`;
    const list = $("principles");
    list.replaceChildren(...PRINCIPLES.map(([id, title]) => {
      const entry = scores.principles[id];
      const item = document.createElement("li");
      const name = document.createElement("div");
      name.className = "name";
      const label = document.createElement("span");
      label.textContent = title;
      const value = document.createElement("span");
      value.className = `status-${entry.status}`;
      value.textContent = `${entry.score} · ${entry.status}`;
      name.append(label, value);
      const bar = document.createElement("div");
      bar.className = `bar ${entry.score < 40 ? "low" : entry.score < 70 ? "mid" : ""}`;
      bar.setAttribute("role", "meter");
      bar.setAttribute("aria-label", `${title}: ${entry.score} of 100, ${entry.status}`);
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", String(entry.score));
      const fill = document.createElement("span");
      fill.style.width = `${entry.score}%`;
      bar.append(fill);
      item.append(name, bar);
      item.dataset.principle = id;
      return item;
    }));
    const t = scores.tone;
    $("tone").textContent = `${t.label} · sentiment ${t.sentiment.toFixed(2)} · politeness ${t.politeness} · hostility ${t.hostility} · anxiety ${t.anxiety}`;
    const r = scores.readability;
    $("readability").textContent = `${r.words} words, ${r.sentences} sentences · reading ease ${r.flesch_reading_ease} · grade ${r.grade} · ${Math.round(r.reading_time_s)} s to read`;
  }

  // ------------------------------------------------------------------ underlines, critiques and fixes

  function showCritiques(text, list) {
    scoredText = text;
    critiques = list;
    const bySpan = new Map();
    for (const critique of list) {
      if (critique.start === null || critique.end === null) continue;
      const key = `${critique.start}-${critique.end}`;
      if (!bySpan.has(key)) {
        bySpan.set(key, { start: critique.start, end: critique.end, quote: critique.quote, severity: critique.severity,
          critiques: [], replacements: critique.replacements || [] });
      }
      const span = bySpan.get(key);
      span.critiques.push(critique);
      if (SEVERITY_RANK[critique.severity] < SEVERITY_RANK[span.severity]) span.severity = critique.severity;
    }
    // Overlapping spans are not expected (the service merges them); the first one wins if they do.
    spans = [];
    for (const span of [...bySpan.values()].sort((a, b) => a.start - b.start)) {
      if (!spans.length || span.start >= spans[spans.length - 1].end) spans.push(span);
    }
    drawUnderlines();
    drawList();
    if (pinned) {
      pinned = spans.find((s) => s.start === pinned.start && s.end === pinned.end) || null;
      if (pinned) openPopover(pinned); else closePopover();
    }
  }

  function drawUnderlines() {
    const nodes = [];
    let at = 0;
    spans.forEach((span, index) => {
      nodes.push(document.createTextNode(scoredText.slice(at, span.start)));
      const mark = document.createElement("mark");
      mark.className = span.severity;
      mark.dataset.span = String(index);
      mark.textContent = scoredText.slice(span.start, span.end);
      nodes.push(mark);
      at = span.end;
    });
    // A trailing line break keeps the backdrop as tall as the textarea's last line.
    nodes.push(document.createTextNode(`${scoredText.slice(at)}\n`));
    backdrop.replaceChildren(...nodes);
    backdrop.scrollTop = draft.scrollTop;
  }

  function fixLabel(replacement, quote) {
    if (replacement === "") return `Delete “${shorten(quote.trim())}”`;
    return `Replace with “${shorten(replacement.trim())}”`;
  }

  function shorten(text) {
    return text.length > 90 ? `${text.slice(0, 87)}…` : text;
  }

  function critiqueCard(critique, span, withFixes, sameQuote = false) {
    const card = document.createElement("div");
    card.className = `critique ${critique.severity}`;
    const head = document.createElement("div");
    head.className = "sev";
    head.textContent = `${critique.severity} · ${critique.principle}`;
    card.append(head);
    if (critique.quote && !sameQuote) {
      const quote = document.createElement("q");
      quote.textContent = critique.quote.trim();
      card.append(quote);
    }
    const message = document.createElement("p");
    message.textContent = critique.message;
    card.append(message);
    if (critique.suggestion) {
      const suggestion = document.createElement("p");
      suggestion.textContent = `→ ${critique.suggestion}`;
      card.append(suggestion);
    }
    if (withFixes && span && span.replacements.length) {
      const fixes = document.createElement("div");
      fixes.className = "fixes";
      for (const replacement of span.replacements) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "fix";
        button.textContent = fixLabel(replacement, span.quote);
        button.addEventListener("click", () => applyFix(span, replacement));
        fixes.append(button);
      }
      card.append(fixes);
    }
    return card;
  }

  // One card per underlined span (every problem found there, and its fixes), then the suggestions.
  function drawList() {
    const list = $("critiques");
    const items = [
      ...spans.map((span, index) => ({ span, index, critiques: span.critiques })),
      ...critiques.filter((c) => c.start === null).map((c) => ({ span: null, index: -1, critiques: [c] })),
    ];
    list.replaceChildren(...items.map(({ span, index, critiques: here }) => {
      const item = document.createElement("li");
      here.forEach((critique, i) => {
        const card = critiqueCard(critique, span, i === here.length - 1, i > 0);
        item.append(card);
      });
      if (span) {
        item.addEventListener("mouseenter", () => highlight(index, true));
        item.addEventListener("mouseleave", () => highlight(index, false));
        item.addEventListener("focusin", () => highlight(index, true));
        item.addEventListener("focusout", () => highlight(index, false));
      }
      return item;
    }));
    const breaking = critiques.filter((c) => c.severity !== "info").length;
    $("critique-count").textContent = critiques.length ? `(${breaking} to fix, ${critiques.length - breaking} suggestions)` : "";
  }

  function highlight(index, on) {
    const mark = backdrop.querySelector(`mark[data-span="${index}"]`);
    if (mark) mark.classList.toggle("active", on);
  }

  async function applyFix(span, replacement) {
    const current = draft.value;
    if (current !== scoredText || current.slice(span.start, span.end) !== span.quote) {
      say("The text changed since it was scored; the fixes are being refreshed.");
      scoreNow();
      return;
    }
    closePopover();
    draft.focus();
    draft.setSelectionRange(span.start, span.end);
    // execCommand keeps the change on the textarea's undo stack (Ctrl+Z undoes a fix) where it exists.
    const done = replacement === "" ? document.execCommand("delete") : document.execCommand("insertText", false, replacement);
    if (!done || draft.value === current) {
      draft.setRangeText(replacement, span.start, span.end, "end");
    }
    draft.setSelectionRange(span.start + replacement.length, span.start + replacement.length);
    say("Fixed; scored again.");
    await scoreNow();
  }

  // ------------------------------------------------------------------ the popover on hover, click or caret

  function spanAtPoint(x, y) {
    for (const mark of backdrop.querySelectorAll("mark")) {
      for (const rect of mark.getClientRects()) {
        if (x >= rect.left && x <= rect.right && y >= rect.top - 2 && y <= rect.bottom + 2) {
          return { span: spans[Number(mark.dataset.span)], rect };
        }
      }
    }
    return null;
  }

  function spanAtCaret() {
    if (draft.value !== scoredText) return null;
    const caret = draft.selectionStart;
    return spans.find((s) => caret >= s.start && caret <= s.end && draft.selectionEnd <= s.end) || null;
  }

  function openPopover(span, rect) {
    const index = spans.indexOf(span);
    const mark = backdrop.querySelector(`mark[data-span="${index}"]`);
    const anchor = rect || (mark && mark.getClientRects()[0]);
    popover.replaceChildren();
    const title = document.createElement("h3");
    title.id = "popover-title";
    title.className = "sev";
    title.textContent = span.critiques.length > 1 ? `${span.critiques.length} problems here` : "Problem here";
    popover.append(title);
    span.critiques.forEach((critique, i) => popover.append(
      critiqueCard(critique, span, i === span.critiques.length - 1, i > 0)));
    popover.hidden = false;
    popover.dataset.span = String(index);
    if (anchor) {
      const pane = writePane.getBoundingClientRect();
      const left = Math.max(0, Math.min(anchor.left - pane.left, pane.width - popover.offsetWidth));
      popover.style.left = `${left}px`;
      popover.style.top = `${anchor.bottom - pane.top + 6}px`;
    }
    backdrop.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active"));
    if (mark) mark.classList.add("active");
  }

  function closePopover() {
    popover.hidden = true;
    pinned = null;
    backdrop.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active"));
  }

  draft.addEventListener("mousemove", (event) => {
    if (pinned) return;
    const hit = spanAtPoint(event.clientX, event.clientY);
    if (hit) openPopover(hit.span, hit.rect);
    else if (!popover.hidden) closePopover();
  });
  $("editor").addEventListener("mouseleave", (event) => {
    if (!pinned && !popover.contains(event.relatedTarget)) closePopover();
  });
  const followCaret = () => {
    const span = spanAtCaret();
    if (span) { pinned = span; openPopover(span); } else if (pinned) closePopover();
  };
  draft.addEventListener("click", followCaret);
  draft.addEventListener("keyup", (event) => {
    if (event.key.startsWith("Arrow") || event.key === "Home" || event.key === "End") followCaret();
  });
  draft.addEventListener("keydown", (event) => {
    // Alt+Down (or Ctrl+.) from inside an underlined line moves to its first fix.
    if ((event.altKey && event.key === "ArrowDown") || (event.ctrlKey && event.key === ".")) {
      const span = spanAtCaret();
      if (span) {
        event.preventDefault();
        pinned = span;
        openPopover(span);
        const first = popover.querySelector("button");
        if (first) first.focus();
      }
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !popover.hidden) {
      const inside = popover.contains(document.activeElement);
      closePopover();
      if (inside) draft.focus();
    }
  });
  draft.addEventListener("input", () => { closePopover(); scheduleScore(); });
  draft.addEventListener("scroll", () => { backdrop.scrollTop = draft.scrollTop; });
  for (const id of ["received", "recipient", "sender"]) $(id).addEventListener("input", scheduleScore);

  // ------------------------------------------------------------------ coaching, streamed

  async function coach() {
    const text = draft.value;
    if (!text.trim()) { say("Type or paste your reply first.", true); draft.focus(); return; }
    const button = $("coach");
    button.disabled = true;
    say("Coaching…");
    try {
      const response = await post("/v1/coach/stream", { draft: text, context: context(), options: { rewrite: true } });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let found = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = parseFrame(frame);
          if (!event) continue;
          if (event.name === "local" && draft.value === text) {
            showScores(event.data.scores);
            showCritiques(text, event.data.critiques);
          } else if (event.name === "critique") {
            found += 1;
            say(`Coaching… the coach found ${found} more thing${found === 1 ? "" : "s"} to look at.`);
          } else if (event.name === "rewrite") {
            showRewrite(text, event.data);
          } else if (event.name === "result") {
            if (event.data.rewrite) showRewrite(text, event.data.rewrite);
            if (draft.value === text) showCritiques(text, event.data.critiques);
            const engine = event.data.engine;
            say(`Coached by the ${engine.name} engine${engine.degraded ? ` (${engine.reason})` : ""}.`);
          } else if (event.name === "error") {
            throw new ApiError(502, event.data);
          }
        }
      }
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  function parseFrame(frame) {
    let name = "message";
    const data = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith(":")) continue;
      if (line.startsWith("event:")) name = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    return data.length ? { name, data: JSON.parse(data.join("\n")) } : null;
  }

  function showRewrite(original, rewrite) {
    rewriteText = rewrite.text;
    $("rewrite").hidden = false;
    $("rewrite-score").textContent = `(grace ${rewrite.scores.overall}, ${rewrite.scores.verdict})`;
    $("rewrite-diff").replaceChildren(...wordDiff(original, rewrite.text));
  }

  // A word-level diff (longest common subsequence of words and spaces), as text, <ins> and <del> nodes.
  function wordDiff(before, after) {
    const a = before.match(/\s+|[^\s]+/g) || [];
    const b = after.match(/\s+|[^\s]+/g) || [];
    if (a.length * b.length > 4_000_000) return [element("del", before), element("ins", after)];
    const rows = a.length + 1;
    const cols = b.length + 1;
    const table = new Uint16Array(rows * cols);
    for (let i = a.length - 1; i >= 0; i -= 1) {
      for (let j = b.length - 1; j >= 0; j -= 1) {
        table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1] + 1
          : Math.max(table[(i + 1) * cols + j], table[i * cols + j + 1]);
      }
    }
    const parts = [];
    const push = (kind, token) => {
      const last = parts[parts.length - 1];
      if (last && last.kind === kind) last.text += token; else parts.push({ kind, text: token });
    };
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) { push("same", a[i]); i += 1; j += 1; }
      else if (table[(i + 1) * cols + j] >= table[i * cols + j + 1]) { push("del", a[i]); i += 1; }
      else { push("ins", b[j]); j += 1; }
    }
    while (i < a.length) { push("del", a[i]); i += 1; }
    while (j < b.length) { push("ins", b[j]); j += 1; }
    return parts.map((p) => (p.kind === "same" ? document.createTextNode(p.text) : element(p.kind, p.text)));
  }

  function element(tag, text) {
    const node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  async function copyRewrite() {
    try {
      // The async clipboard can wait on focus or a permission; after a second the old way is used.
      await Promise.race([
        navigator.clipboard.writeText(rewriteText),
        new Promise((_, reject) => setTimeout(() => reject(new Error("clipboard timed out")), 1000)),
      ]);
    } catch (_) {
      const scratch = document.createElement("textarea");
      scratch.value = rewriteText;
      document.body.append(scratch);
      scratch.select();
      document.execCommand("copy");
      scratch.remove();
    }
    say("Rewrite copied.");
  }

  function useRewrite() {
    draft.focus();
    draft.select();
    if (!document.execCommand("insertText", false, rewriteText)) draft.value = rewriteText;
    scoreNow();
  }

  $("coach").addEventListener("click", coach);
  $("copy").addEventListener("click", copyRewrite);
  $("use").addEventListener("click", useRewrite);
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    apiKey = $("api-key").value.trim();
    sessionStorage.setItem("replyCoachKey", apiKey);
    $("key-form").hidden = true;
    say("Key saved for this tab.");
    scoreNow();
  });
  if (draft.value.trim()) scoreNow();
})();
