"use strict";

const form = document.getElementById("options");
document.getElementById("origin").textContent = `chrome-extension://${chrome.runtime.id}`;
chrome.storage.local.get(["backendUrl", "apiKey"]).then(({ backendUrl, apiKey }) => {
  document.getElementById("backend").value = backendUrl || "http://127.0.0.1:8000";
  document.getElementById("key").value = apiKey || "";
});
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  await chrome.storage.local.set({
    backendUrl: document.getElementById("backend").value.trim(),
    apiKey: document.getElementById("key").value.trim(),
  });
  document.getElementById("saved").textContent = "Saved.";
});
