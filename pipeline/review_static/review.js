// The review app's pages: both views read the JSON API of pipeline/review_app.py.
"use strict";

const LABELS = ["SPEAKER", "COUNTRY", "PROGRAMME", "FIGURE"];

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({credentials: "same-origin"}, options || {}));
  const body = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// ------------------------------------------------------------------ index
async function showIndex() {
  const docs = await api("/api/documents");
  const rows = docs.map(d => {
    const share = d.mentions ? d.reviewed / d.mentions : 0;
    const counts = LABELS.map(l => `<td class="num">${d.counts[l]}</td>`).join("");
    return `<tr data-find="${esc((d.name + " " + d.title).toLowerCase())}">` +
      `<td><a href="/documents/${encodeURIComponent(d.doc_id)}">${esc(d.name)}</a></td>` +
      `<td>${esc(d.title.slice(0, 80))}</td><td>${esc(d.date)}</td><td class="num">${d.pages ?? ""}</td>` +
      `<td title="${esc(d.error)}">${esc(d.status)}</td>${counts}` +
      `<td><span class="bar"><span style="width:${Math.round(share * 100)}%"></span></span>` +
      `${d.reviewed} / ${d.mentions}${d.removed ? ` (${d.removed} removed)` : ""}</td>` +
      `<td class="num ${d.disagreements ? "disagree" : ""}">${d.disagreements || ""}</td></tr>`;
  });
  document.querySelector("#documents tbody").innerHTML = rows.join("");
  const total = docs.reduce((a, d) => a + d.mentions, 0), done = docs.reduce((a, d) => a + d.reviewed, 0);
  document.getElementById("summary").textContent =
    `${docs.length} documents · ${total} mentions · ${done} reviewed`;
  const find = document.getElementById("find");
  find.addEventListener("input", () => {
    const q = find.value.trim().toLowerCase();
    for (const tr of document.querySelectorAll("#documents tbody tr"))
      tr.classList.toggle("hidden", !!q && !tr.dataset.find.includes(q));
  });
  document.addEventListener("keydown", e => {
    if (e.key === "/" && document.activeElement !== find) { e.preventDefault(); find.focus(); }
  });
  document.body.dataset.ready = "yes";
}

// ------------------------------------------------------------------ document
const state = {doc: null, mentions: [], shown: [], selected: -1, pageSizes: {}, page: 0};

function verdictBadge(m) {
  if (!m.verdict) return "";
  const kind = m.verdict.split(":")[0];
  const who = m.verdicts.map(v => `${v.reviewer}: ${v.verdict}`).join("; ");
  const agree = m.agreement ? ` <span class="${m.agreement}">${m.agreement}</span>` : "";
  return `<span class="verdict v-${kind}" title="${esc(who)}">${esc(m.verdict)}${m.verdicts.length > 1 ? " ×" + m.verdicts.length : ""}</span>${agree}`;
}

function mentionItem(m, i) {
  const conf = m.confidence == null ? "" : Number(m.confidence).toFixed(2);
  const where = m.removed ? "removed by a verdict" : `p.${m.page} · ${esc(m.rule)} · ${conf}`;
  return `<li data-i="${i}" data-id="${esc(m.mention_id)}" class="${m.removed ? "removed" : ""}">` +
    `<span class="chip m-${m.label}"></span><b>${esc(m.text)}</b>` +
    (m.value ? ` → ${esc(m.value)}` : "") + verdictBadge(m) + `<br><small>${where}</small></li>`;
}

function markedText(text, mentions) {
  // nested mentions are drawn inside one another; a crossing one is only listed
  const ms = mentions.filter(m => !m.removed).sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [], ends = [];
  for (const m of ms) {
    while (ends.length && ends[ends.length - 1] <= m.start) ends.pop();
    if (ends.length && m.end > ends[ends.length - 1]) continue;
    kept.push(m); ends.push(m.end);
  }
  const out = [], open = [];
  let pos = 0;
  const close = () => { const top = open.pop(); out.push(esc(text.slice(pos, top.end)), "</mark>"); pos = top.end; };
  for (const m of kept) {
    while (open.length && open[open.length - 1].end <= m.start) close();
    out.push(esc(text.slice(pos, m.start)));
    pos = m.start;
    out.push(`<mark id="t-${esc(m.mention_id)}" data-id="${esc(m.mention_id)}" class="m-${m.label}">`);
    open.push(m);
  }
  while (open.length) close();
  out.push(esc(text.slice(pos)));
  return out.join("");
}

function filters() {
  return {
    label: document.getElementById("filter-label").value,
    rule: document.getElementById("filter-rule").value,
    speaker: document.getElementById("filter-speaker").value,
    confidence: parseFloat(document.getElementById("filter-confidence").value) || 0,
    unreviewed: document.getElementById("filter-unreviewed").checked,
  };
}

function applyFilters(keepId) {
  const f = filters();
  state.shown = state.mentions.filter(m =>
    (!f.label || m.label === f.label) && (!f.rule || m.rule === f.rule) &&
    (!f.speaker || m.speaker_id === f.speaker) && (m.removed || (m.confidence ?? 1) >= f.confidence) &&
    (!f.unreviewed || !m.verdict));
  document.getElementById("mentions").innerHTML = state.shown.map(mentionItem).join("");
  const visible = new Set(state.shown.map(m => m.mention_id));
  for (const mark of document.querySelectorAll("#text mark"))
    mark.classList.toggle("dim", !visible.has(mark.dataset.id));
  document.getElementById("shown").textContent = `${state.shown.length} shown`;
  let i = keepId ? state.shown.findIndex(m => m.mention_id === keepId) : -1;
  if (i < 0) i = Math.min(Math.max(state.selected, 0), state.shown.length - 1);
  select(state.shown.length ? i : -1);
}

function progress() {
  const live = state.mentions.filter(m => !m.removed);
  const done = live.filter(m => m.verdict).length;
  const disagree = state.mentions.filter(m => m.agreement === "disagree").length;
  document.getElementById("progress").textContent =
    `${done} of ${live.length} mentions reviewed` + (disagree ? ` · ${disagree} disagreements` : "");
}

function select(i) {
  for (const el of document.querySelectorAll("#mentions li.selected, #text mark.current"))
    el.classList.remove("selected", "current");
  state.selected = i;
  const m = state.shown[i];
  const detail = document.getElementById("detail");
  if (!m) { detail.innerHTML = "<p class='meta'>No mention matches these filters.</p>"; return; }
  const li = document.querySelector(`#mentions li[data-i="${i}"]`);
  li.classList.add("selected");
  li.scrollIntoView({block: "nearest"});
  const mark = document.getElementById("t-" + m.mention_id);
  if (mark) { mark.classList.add("current"); mark.scrollIntoView({block: "center"}); }
  const verdicts = m.verdicts.map(v => `${esc(v.reviewer)}: ${esc(v.verdict)} <small>${esc(v.reviewed_at.slice(0, 16).replace("T", " "))}</small>`);
  detail.innerHTML = `<dl><dt>${esc(m.label.toLowerCase())}</dt><dd><b>${esc(m.text)}</b></dd>` +
    `<dt>value</dt><dd>${esc(m.value)}</dd>` +
    (m.speaker ? `<dt>speaker</dt><dd>${esc(m.speaker)}</dd>` : "") +
    `<dt>rule</dt><dd>${esc(m.rule)} (confidence ${m.confidence == null ? "–" : Number(m.confidence).toFixed(2)})</dd>` +
    (m.explanation ? `<dt>why</dt><dd>${esc(m.explanation)}</dd>` : "") +
    `<dt>verdicts</dt><dd>${verdicts.join("<br>") || "none yet"}` +
    (m.agreement ? ` <span class="${m.agreement}">(${m.agreement})</span>` : "") + `</dd></dl>` +
    `<div id="fix-row" hidden>fix value: <input id="fix-value"> <small>Enter to save, Esc to cancel</small></div>` +
    `<p id="status" class="error"></p>`;
  showPage(m);
}

function placeBox() {
  // the selected mention's box over its page: on every selection, and once the image has loaded
  const m = state.shown[state.selected], img = document.getElementById("page-image");
  const box = document.getElementById("box"), size = m && state.pageSizes[m.page];
  if (!size || m.page !== state.page || !img.complete || !img.naturalWidth) { box.style.display = "none"; return; }
  const scale = img.clientWidth / size.width;
  Object.assign(box.style, {display: "block", left: `${m.x0 * scale - 3}px`, top: `${m.top * scale - 3}px`,
    width: `${(m.x1 - m.x0) * scale + 6}px`, height: `${(m.bottom - m.top) * scale + 6}px`});
  const side = document.getElementById("side");
  side.scrollTop = Math.max(0, box.offsetTop - side.clientHeight / 2);
}

function showPage(m) {
  const img = document.getElementById("page-image");
  if (m.page && state.page !== m.page) {
    state.page = m.page;
    img.src = `/pages/${encodeURIComponent(state.doc.doc_id)}/${m.page}.webp`;
    img.alt = `page ${m.page}`;
  }
  placeBox();
}

async function give(verdict) {
  const m = state.shown[state.selected];
  if (!m) return;
  const status = document.getElementById("status");
  try {
    const answer = await api("/api/verdicts", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({doc_id: state.doc.doc_id, mention_id: m.mention_id, verdict,
        reviewer: document.getElementById("reviewer").value.trim() || state.doc.reviewer})});
    const i = state.mentions.indexOf(m);
    if (answer.mention) state.mentions[i] = answer.mention;
    const next = state.shown[state.selected + 1];
    progress();
    applyFilters(next ? next.mention_id : (answer.mention || m).mention_id);
  } catch (e) {
    status.textContent = `not recorded: ${e.message}`;
  }
}

function askFix() {
  const m = state.shown[state.selected];
  if (!m) return;
  const row = document.getElementById("fix-row"), input = document.getElementById("fix-value");
  row.hidden = false;
  input.value = m.value || "";
  input.focus();
  input.select();
  input.onkeydown = e => {
    if (e.key === "Enter") { e.preventDefault(); const v = input.value.trim(); if (v) give("fix:" + v); }
    if (e.key === "Escape") { row.hidden = true; document.getElementById("mentions").focus(); }
    e.stopPropagation();
  };
}

function onKey(e) {
  const t = e.target;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (t.tagName === "INPUT" && t.type !== "checkbox" || t.tagName === "TEXTAREA") return;
  const labels = {"1": "SPEAKER", "2": "COUNTRY", "3": "PROGRAMME", "4": "FIGURE", "0": ""};
  if (e.key in labels) {
    document.getElementById("filter-label").value = labels[e.key];
    applyFilters();
  } else if (e.key === "j" || e.key === "ArrowDown") select(Math.min(state.selected + 1, state.shown.length - 1));
  else if (e.key === "k" || e.key === "ArrowUp") select(Math.max(state.selected - 1, 0));
  else if (e.key === "o") give("ok");
  else if (e.key === "w") give("wrong");
  else if (e.key === "f") askFix();
  else return;
  e.preventDefault();
}

async function showDocument() {
  const docId = decodeURIComponent(location.pathname.split("/").pop());
  const [doc, mentions] = await Promise.all([api(`/api/documents/${encodeURIComponent(docId)}`),
    api(`/api/mentions?doc_id=${encodeURIComponent(docId)}`)]);
  state.doc = doc;
  state.mentions = mentions;
  for (const p of doc.page_sizes) state.pageSizes[p.page] = p;
  document.title = `Review: ${doc.name}`;
  document.getElementById("title").textContent = doc.name;
  const reviewer = document.getElementById("reviewer");
  reviewer.value = localStorage.getItem("reviewer") || doc.reviewer;
  reviewer.addEventListener("change", () => localStorage.setItem("reviewer", reviewer.value.trim()));
  document.getElementById("text").innerHTML = markedText(doc.text, mentions);
  const rules = [...new Set(mentions.map(m => m.rule).filter(Boolean))].sort();
  document.getElementById("filter-rule").innerHTML += rules.map(r => `<option>${esc(r)}</option>`).join("");
  document.getElementById("filter-speaker").innerHTML += doc.speakers.map(s =>
    `<option value="${esc(s.speaker_id)}">${esc(s.name)}${s.country ? " (" + esc(s.country) + ")" : ""}</option>`).join("");
  for (const id of ["filter-label", "filter-rule", "filter-speaker", "filter-confidence", "filter-unreviewed"])
    document.getElementById(id).addEventListener("change", () => {
      applyFilters(); document.getElementById("mentions").focus();
    });
  document.getElementById("mentions").addEventListener("click", e => {
    const li = e.target.closest("li"); if (li) select(Number(li.dataset.i));
  });
  document.getElementById("text").addEventListener("click", e => {
    const mark = e.target.closest("mark"); if (!mark) return;
    const i = state.shown.findIndex(m => m.mention_id === mark.dataset.id); if (i >= 0) select(i);
  });
  document.getElementById("page-image").addEventListener("load", placeBox);
  window.addEventListener("resize", placeBox);
  document.addEventListener("keydown", onKey);
  progress();
  applyFilters();
  document.getElementById("mentions").focus();
  document.body.dataset.ready = "yes";
}

const view = document.body.dataset.view;
(view === "index" ? showIndex() : showDocument()).catch(e => {
  document.querySelector("main, .layout").insertAdjacentHTML("afterbegin", `<p class="error">${esc(e.message)}</p>`);
});
