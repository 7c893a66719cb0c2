"""Page styling and the one small script (citations scroll to their passage; a new answer
brings its sources into view).

Layout: on a window at least 768 px wide the conversation and the sources sit side by side and
the page fits the window: the conversation grows with the window's height, the sources panel
sticks to the top and scrolls inside itself under a heading that stays. Narrower (a phone), they
stack: filters, conversation, question box, then the sources panel, each sized so that after an
answer the conversation and the panel fit the window together.
"""

from __future__ import annotations

# System fonts: nothing is fetched from a font CDN.
THEME_FONTS = (
    ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
     "sans-serif"],
    ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)

CSS = """
/* Gradio clips its container with overflow: hidden, which would keep the panel from sticking. */
.gradio-container { overflow: clip visible !important; }
/* (Outside any media query: Gradio scopes the rules inside one to its content, below this.) */
.gradio-container .main { padding: .75rem clamp(.5rem, 2.4vw, 2rem) !important; }
#bb-header { padding: 0; min-height: 0; }
.bb-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 .8em; }
.bb-header h1 { font-size: 1.35rem; margin: 0; }
.bb-header p { margin: 0; color: var(--body-text-color-subdued); font-size: .92rem; }
#bb-filter-note .prose { font-size: .9rem; color: var(--body-text-color-subdued); }
#bb-filter-note .prose strong { color: #92400e; }
#bb-chat-row { align-items: flex-start; }
#bb-chat-col, #bb-sources-col { flex-wrap: nowrap !important; min-width: 0; }
#bb-ask-row { align-items: stretch; }
/* While an answer is composed: Gradio's dots (role=status), said in words too. */
#bb-chat .message.pending::after { content: "Reading the briefings and composing the answer…";
  margin-left: .6em; font-size: .9em; color: var(--body-text-color-subdued); }

/* The sources panel: a heading that stays, a list that scrolls inside the panel. */
#bb-sources { padding: 0; }
.bb-panel { display: flex; flex-direction: column; min-height: 0; }
.bb-panel-title { font-size: 1.1rem; margin: 0 0 .4rem 0; padding: .2rem 0; }
.bb-scroll { overflow-y: auto; overscroll-behavior: contain; min-height: 6rem;
  border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .4rem .6rem; }
.bb-scroll:focus-visible { outline: 2px solid var(--color-accent); outline-offset: 1px; }
.bb-sources details.bb-turn { margin: 0 0 .6em 0; }
.bb-sources summary { cursor: pointer; font-weight: 600; position: sticky; top: -.4rem;
  background: var(--background-fill-primary); padding: .25em 0; z-index: 1; }
.bb-source-list { list-style: none; padding-left: 0; margin: .3em 0; }
.bb-source { border-left: 3px solid var(--border-color-primary); padding: .3em .6em;
  margin: .5em 0; scroll-margin-top: 2.2em; transition: background-color .4s; }
.bb-source:focus { outline: 2px solid var(--color-accent); outline-offset: 1px; }
.bb-source.bb-active { border-left-color: var(--color-accent);
  background: var(--color-accent-soft); }
.bb-src-head { font-weight: 600; }
.bb-n { color: #9a3412; }
.bb-src-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .15em 0 .3em; }
.bb-src-meta code { font-size: .95em; word-break: break-all; }
.bb-passage { font-size: .9em; line-height: 1.45; overflow-wrap: anywhere; }
.bb-passage > :first-child { margin-top: 0; }
.bb-passage > :last-child { margin-bottom: 0; }
.bb-passage p, .bb-passage ul, .bb-passage ol { margin: .35em 0; }
.bb-passage li, .bb-passage td, .bb-passage th { font-size: inherit; line-height: inherit; }
.bb-passage ul, .bb-passage ol { padding-left: 1.3em; }
.bb-passage ul { list-style: disc; }
.bb-passage ol { list-style: decimal; }
.bb-passage blockquote { margin: .4em 0; padding: .1em .7em; border-left: 3px solid #a8a29e;
  color: inherit; background: var(--background-fill-secondary); }
.bb-passage h1, .bb-passage h2, .bb-passage h3, .bb-passage h4, .bb-passage h5,
.bb-passage h6 { font-size: 1em; margin: .5em 0 .2em; }
.bb-passage table { border-collapse: collapse; font-size: .95em; display: block;
  overflow-x: auto; }
.bb-passage th, .bb-passage td { border: 1px solid var(--border-color-primary);
  padding: .15em .4em; text-align: left; }
.bb-passage mark.bb-quote { background: #fde68a; color: #1c1917; padding: 0 .05em; }
.bb-badge { display: inline-block; font-size: .75em; font-weight: 600; padding: 0 .45em;
  border-radius: 9px; margin-left: .2em; border: 1px solid transparent; vertical-align: middle; }
.bb-agreed { background: #dcfce7; color: #14532d; }
.bb-draft { background: #fef3c7; color: #78350f; }
.bb-superseded { background: #e5e7eb; color: #1f2937; text-decoration: line-through; }
.bb-other { background: #e0e7ff; color: #312e81; }
.bb-stale { background: #fee2e2; color: #7f1d1d; }
.bb-type { background: transparent; border-color: var(--border-color-primary); font-weight: 400; }
.bb-internal { background: #ede9fe; color: #4c1d95; }
a.bb-cite { text-decoration: none; font-weight: 600; cursor: pointer; color: #9a3412; }
a.bb-cite:focus-visible { outline: 2px solid var(--color-accent); border-radius: 3px; }
table.bb-docs { width: 100%; border-collapse: collapse; font-size: .9em; }
table.bb-docs th, table.bb-docs td { text-align: left; padding: .25em .5em;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
.bb-num { text-align: right; }
.bb-error { color: #b91c1c; }
.bb-running { color: #92400e; }

/* The Meeting pack tab: the pack beside the same sources panel. */
#bb-pack-row { align-items: flex-start; }
#bb-pack-col, #bb-pack-sources-col { flex-wrap: nowrap !important; min-width: 0; }
#bb-pack-sources { padding: 0; }
#bb-pack-controls { align-items: flex-end; }
#bb-pack-note .prose { font-size: .92rem; }
#bb-pack-files { gap: .5rem; }
#bb-pack-files button { flex: 0 1 auto !important; min-width: 11rem !important; }
#bb-pack-view { overflow-wrap: anywhere; }
#bb-pack-view h1 { font-size: 1.35rem; margin: .2em 0 .3em; }
#bb-pack-view h2 { font-size: 1.1rem; margin: 1em 0 .35em; }
#bb-pack-view blockquote { margin: .3em 0; padding: .1em .7em; border-left: 3px solid #a8a29e;
  background: var(--background-fill-secondary); font-size: .95em; }
#bb-pack-view ul { margin: .3em 0; }

/* Side by side: the page fits the window; the panel sticks and scrolls inside itself. */
@media (min-width: 768px) {
  #bb-pack-row { flex-wrap: nowrap !important; }
  #bb-pack-sources-col { position: sticky; top: .25rem; align-self: flex-start; }
  #bb-chat-row { flex-wrap: nowrap !important; }
  #bb-sources-col { position: sticky; top: .25rem; align-self: flex-start; }
  /* The column fills the window below the tabs; the conversation takes what the filters,
     their note, the feedback box and the question box leave. */
  #bb-chat-col { height: max(30rem, calc(100vh - 8.25rem)); }
  #bb-chat { flex: 1 1 0 !important; min-height: 12rem; height: auto !important; }
  .bb-scroll { max-height: max(12rem, calc(100vh - 12rem)); }
}
/* Stacked (a phone): conversation, question box, then the panel, all in one window. */
@media (max-width: 767px) {
  #bb-chat-row { flex-direction: column; flex-wrap: nowrap !important; }
  #bb-chat-col, #bb-sources-col { width: 100%; min-width: 0 !important; }
  #bb-filters > * { min-width: 45% !important; }
  #bb-ask-row { flex-wrap: wrap !important; }
  #bb-ask-row > .form { flex: 1 1 100% !important; min-width: 100% !important; }
  #bb-ask, #bb-new { flex: 1 1 40% !important; min-width: 0 !important; }
  #bb-chat { height: max(12rem, 36vh) !important; }
  #bb-pack-row { flex-direction: column; flex-wrap: nowrap !important; }
  #bb-pack-col, #bb-pack-sources-col { width: 100%; min-width: 0 !important; }
  #bb-pack-controls { flex-wrap: wrap !important; }
  #bb-pack-controls > * { flex: 1 1 100% !important; min-width: 100% !important; }
  #bb-pack-files button { flex: 1 1 40% !important; min-width: 0 !important; }
  .bb-scroll { max-height: max(10rem, calc(64vh - 14rem)); }
}
"""

# Citation links point at #src-TURN-N in the sources panel: open that answer's group, mark the
# passage and scroll it to the top of the panel (the panel scrolls, not the page; on a phone the
# page then brings the panel into view), and move the focus there for keyboard and screen-reader
# users. A new answer scrolls the panel back to its top, the conversation to the new question,
# and, on a phone, the page so that the conversation and the panel are both in view.
HEAD = r"""
<script>
(function () {
  if (window.__bbPage) return;
  window.__bbPage = true;
  function scrollInside(container, item) {
    // Below the answer's heading, which sticks to the top of the panel as it scrolls.
    var group = item.closest("details");
    var head = group && group.querySelector("summary");
    var top = item.getBoundingClientRect().top - container.getBoundingClientRect().top;
    container.scrollTop += top - (head ? head.getBoundingClientRect().height : 0) - 6;
  }
  function panelInView(panel) {
    var box = panel.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) {
      window.scrollBy(0, box.top < 0 ? box.top - 4 : Math.min(box.top - 4,
        box.bottom - window.innerHeight + 4));
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest('a[href^="#src-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    var item = document.getElementById(link.getAttribute("href").slice(1));
    if (!item) return;
    var group = item.closest("details");
    if (group) group.open = true;
    document.querySelectorAll(".bb-source.bb-active").forEach(function (el) {
      el.classList.remove("bb-active");
    });
    item.classList.add("bb-active");
    var scroller = item.closest(".bb-scroll");
    if (scroller) {
      scrollInside(scroller, item);
      panelInView(scroller.closest(".bb-panel") || scroller);
    }
    item.focus({preventScroll: true});
  }, true);

  var lastTurn = null, lastAsked = 0;
  function afterAnswer() {
    var chatEl = document.getElementById("bb-chat");
    var wrapEl = chatEl && chatEl.querySelector(".bubble-wrap");
    var askedNow = chatEl ? chatEl.querySelectorAll('[data-testid="user"]').length : 0;
    if (askedNow > lastAsked && wrapEl) wrapEl.scrollTop = wrapEl.scrollHeight;  // just asked
    lastAsked = askedNow;
    var first = document.querySelector("#bb-sources details.bb-turn");
    var turn = first ? first.id : null;
    if (turn === lastTurn) return;
    lastTurn = turn;
    var scroller = document.querySelector("#bb-sources .bb-scroll");
    if (scroller) scroller.scrollTop = 0;
    if (!turn) return;
    var chat = document.getElementById("bb-chat");
    var wrap = chat && chat.querySelector(".bubble-wrap");
    var asked = chat && chat.querySelectorAll('[data-testid="user"]');
    if (wrap && asked && asked.length) {
      var q = asked[asked.length - 1];
      wrap.scrollTop += q.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
    }
    var col = document.getElementById("bb-sources-col");
    if (chat && col && col.getBoundingClientRect().top >= chat.getBoundingClientRect().bottom) {
      window.scrollTo(0, chat.getBoundingClientRect().top + window.scrollY - 4);
    }
    document.body.dataset.bbShown = turn;  // for tests: this answer's sources are in view
  }
  // Gradio's upload area is named "Click to upload or drop files" but shows other words;
  // a speech-input user says what they see, so the name is what it shows.
  function nameUploads() {
    document.querySelectorAll(".upload-container[aria-label]").forEach(function (el) {
      var shown = (el.innerText || "").replace(/\s+/g, " ").trim();
      if (shown && el.getAttribute("aria-label") !== shown) el.setAttribute("aria-label", shown);
    });
  }
  var pending = null;
  new MutationObserver(function () {
    if (pending) return;
    pending = setTimeout(function () { pending = null; afterAnswer(); nameUploads(); }, 60);
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>
"""
