"""Page styling and the one small script (citation links scroll to their passage)."""

from __future__ import annotations

# System fonts: nothing is fetched from a font CDN.
THEME_FONTS = (
    ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial",
     "sans-serif"],
    ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)

CSS = """
#bb-sources-col { max-height: 80vh; overflow-y: auto; }
.bb-sources details.bb-turn { border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: 0 0 .6em 0; padding: .3em .6em; }
.bb-sources summary { cursor: pointer; font-weight: 600; }
.bb-source-list { list-style: none; padding-left: 0; margin: .4em 0; }
.bb-source { border-left: 3px solid var(--border-color-primary); padding: .3em .6em;
  margin: .5em 0; scroll-margin-top: 4em; transition: background-color .4s; }
.bb-source.bb-active { border-left-color: var(--color-accent);
  background: var(--color-accent-soft); }
.bb-src-head { font-weight: 600; }
.bb-n { color: var(--color-accent); }
.bb-src-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .15em 0 .3em; }
.bb-passage { white-space: pre-wrap; font-size: .9em; line-height: 1.4; max-height: 22em;
  overflow-y: auto; }
.bb-passage mark { background: #fff3b0; color: inherit; }
.bb-badge { display: inline-block; font-size: .72em; font-weight: 600; padding: 0 .45em;
  border-radius: 9px; margin-left: .2em; border: 1px solid transparent; vertical-align: middle; }
.bb-agreed { background: #dcfce7; color: #166534; }
.bb-draft { background: #fef3c7; color: #92400e; }
.bb-superseded { background: #e5e7eb; color: #374151; text-decoration: line-through; }
.bb-other { background: #e0e7ff; color: #3730a3; }
.bb-stale { background: #fee2e2; color: #991b1b; }
.bb-type { background: transparent; border-color: var(--border-color-primary); font-weight: 400; }
.bb-internal { background: #ede9fe; color: #5b21b6; }
a.bb-cite { text-decoration: none; font-weight: 600; cursor: pointer; }
table.bb-docs { width: 100%; border-collapse: collapse; font-size: .9em; }
table.bb-docs th, table.bb-docs td { text-align: left; padding: .25em .5em;
  border-bottom: 1px solid var(--border-color-primary); vertical-align: top; }
.bb-num { text-align: right; }
.bb-error { color: #b91c1c; }
.bb-running { color: #92400e; }
"""

# Citation links point at #src-TURN-N in the sources panel: open that answer's group, mark the
# passage and scroll it into view (in the page, never a new tab).
HEAD = """
<script>
(function () {
  if (window.__bbCitations) return;
  window.__bbCitations = true;
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest('a[href^="#src-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    var id = link.getAttribute("href").slice(1);
    var item = document.getElementById(id);
    if (!item) return;
    var group = item.closest("details");
    if (group) group.open = true;
    document.querySelectorAll(".bb-source.bb-active").forEach(function (el) {
      el.classList.remove("bb-active");
    });
    item.classList.add("bb-active");
    item.scrollIntoView({behavior: "smooth", block: "nearest"});
  }, true);
})();
</script>
"""
