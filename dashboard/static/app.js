// The dashboard's behaviour: polling while the page is visible, uploads with progress, charts.
// Server-rendered fragments are escaped by the server; anything built here uses textContent.
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

// Call `tick` every `interval` ms, but only while the page is visible: a hidden or closed
// dashboard sends nothing, so it costs the stack nothing.
function whileVisible(interval, tick) {
  let timer = null;
  const start = () => { if (!timer) timer = setInterval(tick, interval); };
  const stop = () => { clearInterval(timer); timer = null; };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { tick(); start(); } else { stop(); }
  });
  if (document.visibilityState === "visible") start();
}

function pollBoard() {
  const board = document.getElementById("board");
  if (!board) return;
  const stage = document.getElementById("stage-filter");
  stage.addEventListener("change", () => stage.form.submit());
  let busy = false;
  let last = "";
  whileVisible(Number(board.dataset.interval), async () => {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(board.dataset.poll + location.search, { cache: "no-store" });
      if (response.ok) {
        const html = await response.text();
        if (html !== last) { board.innerHTML = html; last = html; }  // escaped by the server
      }
    } catch (e) { /* the next tick tries again */ } finally { busy = false; }
  });
}

function uploadFiles(fileList) {
  const folder = document.getElementById("folder").value;
  const list = document.getElementById("uploads");
  for (const file of fileList) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.className = "key";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "uploading";
    item.append(name, " ", bar, " ", state);
    list.append(item);

    const url = new URL("/upload", location.origin);
    url.searchParams.set("folder", folder);
    url.searchParams.set("name", file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* shown below */ }
      if (xhr.status === 200) {
        bar.value = 100;
        item.classList.add("done");
        state.textContent = "";
        const link = document.createElement("a");
        link.href = body.url;
        link.textContent = body.key;
        state.append("uploaded as ", link);
      } else {
        item.classList.add("failed");
        state.textContent = body.error || `failed (HTTP ${xhr.status})`;
      }
    };
    xhr.onerror = () => { item.classList.add("failed"); state.textContent = "failed: the dashboard does not answer"; };
    xhr.send(file);
  }
}

function setupUpload() {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = document.getElementById("file-input");
  input.addEventListener("change", () => { uploadFiles(input.files); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    uploadFiles(e.dataTransfer.files);
  });
}

function pollHealth() {
  const table = document.getElementById("checks");
  if (!table || !window.Chart) return;
  const minute = (m) => new Date(m * 1000).toISOString().slice(11, 16);
  const throughput = new Chart(document.getElementById("throughput-chart"), {
    type: "bar",
    data: { labels: [], datasets: [{ label: "files indexed per minute", data: [] }] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
  const latency = new Chart(document.getElementById("latency-chart"), {
    type: "line",
    data: { labels: [], datasets: [{ label: "extracted → indexed p50 (ms)", data: [] },
                                   { label: "p95 (ms)", data: [] }] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
  });
  const tick = async () => {
    try {
      const response = await fetch(table.dataset.poll, { cache: "no-store" });
      if (!response.ok) return;
      const data = await response.json();
      const body = table.tBodies[0];
      body.replaceChildren(...data.checks.map((c) => {
        const row = document.createElement("tr");
        row.className = c.ok ? "ok" : "bad";
        const name = document.createElement("th"); name.textContent = c.name;
        const state = document.createElement("td"); state.className = "state"; state.textContent = c.ok ? "ok" : "down";
        const detail = document.createElement("td"); detail.className = "detail"; detail.textContent = c.detail;
        row.append(name, state, detail);
        return row;
      }));
      document.getElementById("health-dlq-size").textContent = data.dlq_size ?? "unknown";
      const labels = data.last_hour.map((p) => minute(p.minute));
      throughput.data.labels = labels;
      throughput.data.datasets[0].data = data.last_hour.map((p) => p.files);
      latency.data.labels = labels;
      latency.data.datasets[0].data = data.last_hour.map((p) => p.p50_ms);
      latency.data.datasets[1].data = data.last_hour.map((p) => p.p95_ms);
      throughput.update();
      latency.update();
    } catch (e) { /* the next tick tries again */ }
  };
  tick();
  whileVisible(Number(table.dataset.interval), tick);
}

document.addEventListener("DOMContentLoaded", () => {
  pollBoard();
  setupUpload();
  pollHealth();
});
