"""The HTML of the report page (``report.py``): one entry per photo from its sidecar, grouped by series.

No script and no network: the filters are links to ``#changed``, ``#left`` and ``#failed``,
and CSS ``:target`` rules hide the other photos; the thumbnails are files beside the page.
"""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .report import _FOUND, Entry

REFRESH_SECONDS = 10  # while the batch runs, the page reloads itself this often


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) else None


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:+.3g}" if k == "ev" else f"{k} {v:.3g}" for k, v in params.items())


def fill(entry: Entry, outcome, doc: dict[str, Any] | None, folder: Path) -> None:
    """The entry of one finished photo, from its outcome and sidecar (None: failed before one)."""
    from .engine.planning import refusal

    entry.up_to_date = outcome.status == "skipped"
    if outcome.status == "failed" or doc is None:
        entry.state = "failed" if outcome.status == "failed" else "left"
        entry.reason = outcome.reason or None
        entry.score_before = _number(outcome.score_before)
        return
    applied = doc.get("applied", [])
    plan = {e["op"]: e for e in doc.get("plan", [])}
    entry.state = "changed" if applied else "left"
    out = (doc.get("output") or {}).get("path")
    if out:
        entry.output = quote(os.path.relpath(out, folder).replace(os.sep, "/"))
    entry.score_before = _number((doc.get("critique") or {}).get("score"))
    entry.score_after = _number((doc.get("result") or {}).get("score"))
    entry.findings = [(_FOUND.get((f["attribute"], f["direction"]), f"{f['attribute']} {f['direction']}"),
                       f.get("reason", "")) for f in (doc.get("critique") or {}).get("findings", [])]
    entry.edits = [(plan.get(a["op"], {}).get("instruction") or a["op"], _params(a.get("params", {})))
                   for a in applied]
    done = {a["op"] for a in applied}
    alone = {x["op"]: x for x in doc.get("left_alone") or []}
    refused = [e.get("instruction") or e["op"] for e in doc.get("plan", []) if e["op"] not in done | set(alone)]
    why = refusal(doc.get("refine", []))
    parts = [f"{x.get('instruction') or op}: not done ({x.get('reason', '')})" for op, x in alone.items()]
    if refused and why:
        parts.append(f"{' and '.join(refused)}: refused by the closed loop ({why})")
    elif refused:
        parts.append(f"{' and '.join(refused)}: planned, not applied")
    entry.refused = "; ".join(parts) or None
    _fill_series(entry, doc.get("series") or {}, str((doc.get("input") or {}).get("path", "")))


def _fill_series(entry: Entry, s: dict[str, Any], source: str) -> None:
    if not s.get("id"):
        return
    entry.series, entry.series_label = s["id"], s.get("label", "")
    members = s.get("members", [])
    entry.series_rank = members.index(source) if source in members else len(members)
    off = s.get("offset") or {}
    how = {"matched": "registered on the others", "camera": "placed by its exposure settings",
           "alone": "related to none of the others: taken as typical"}
    parts = []
    edits = [e.get("instruction") or e["op"] for e in s.get("edits", [])]
    parts.append("matched to the series: " + (", ".join(edits) if edits else "nothing to change"))
    if off:
        gains = off.get("gains", [1, 1, 1])
        parts.append(f"this frame was shot {off.get('ev', 0):+.2f} EV and R/B {gains[0] / gains[2]:.2f} against "
                     f"the series' typical frame ({how.get(off.get('from'), off.get('from', ''))})")
    entry.series_note = "; ".join(parts)
    own = [e.get("instruction") or e["op"] for e in s.get("own", [])]
    entry.own = ", ".join(own) if own else "nothing to its white balance or exposure"


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 1.5em 2em;color:#222;background:#fafafa}
header{position:sticky;top:0;background:#fafafa;padding:.6em 0;border-bottom:1px solid #ddd;z-index:1}
h1{font-size:1.3em;margin:0}.status{margin:.2em 0;color:#555}
nav a{margin-right:.8em;padding:.15em .5em;border:1px solid #bbb;border-radius:3px;text-decoration:none;color:#222}
section{margin-top:1.2em}h2{font-size:1.1em;margin:.3em 0}.shared{color:#555;margin:0 0 .5em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1em}
article{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.6em}
article h3{font-size:1em;margin:0 0 .4em;word-break:break-all}.src{display:block;font-weight:normal;color:#777}
.pair{display:flex;gap:.4em}figure{margin:0;flex:1;text-align:center}
figure img{max-width:100%;height:auto;background:#eee}figcaption{font-size:.85em;color:#555}
.nopic{display:flex;align-items:center;justify-content:center;height:100px;background:#eee;color:#777}
.badge{font-size:.75em;padding:.05em .4em;border-radius:3px;margin-left:.4em;color:#fff}
.changed .badge.state{background:#2a7}.left .badge.state{background:#888}.failed .badge.state{background:#c33}
.pending .badge.state{background:#bb6}.badge.old{background:#58a}
dl{margin:.4em 0 0;font-size:.9em}dt{font-weight:600;margin-top:.3em}dd{margin:0 0 0 1em}
.failed dd.reason{color:#c33}ul{margin:0;padding-left:1.1em}
.anchor{display:none}
#changed:target~main article:not(.changed),#left:target~main article:not(.left),
#failed:target~main article:not(.failed){display:none}
#changed:target~main section:not(:has(article.changed)),#left:target~main section:not(:has(article.left)),
#failed:target~main section:not(:has(article.failed)){display:none}
#changed:target~header a[href="#changed"],#left:target~header a[href="#left"],
#failed:target~header a[href="#failed"]{background:#222;color:#fff}
"""

_STATE_WORDS = {"changed": "changed", "left": "left alone", "failed": "failed", "pending": "to do"}


def _figure(entry: Entry, which: str, sizes: dict[str, tuple[int, int]], files: str, eager: bool) -> str:
    name = entry.thumbs.get(which)
    score = entry.score_before if which == "before" else entry.score_after
    caption = which + (f" · score {score:.0f}" if score is not None else "")
    if name and name in sizes:
        w, h = sizes[name]
        img = (f'<img src="{quote(files)}/{quote(name)}" width="{w}" height="{h}" alt="{which}: '
               f'{escape(entry.name)}"{"" if eager else " loading=lazy"}>')
        if which == "after" and entry.output:
            img = f'<a href="{escape(entry.output)}">{img}</a>'
    else:
        why = {"failed": "not written", "pending": "not done yet"}.get(entry.state, "no picture")
        img = f'<div class="nopic">{why if which == "after" or entry.state == "pending" else "no picture"}</div>'
    return f"<figure>{img}<figcaption>{escape(caption)}</figcaption></figure>"


def _article(entry: Entry, sizes, files: str, eager: bool) -> str:
    badges = f'<span class="badge state">{_STATE_WORDS[entry.state]}</span>'
    if entry.up_to_date:
        badges += '<span class="badge old">up to date</span>'
    rows = []
    if entry.reason:
        rows.append(f'<dt>failed</dt><dd class="reason">{escape(entry.reason)}</dd>')
    if entry.findings:
        items = "".join(f"<li><b>{escape(w)}</b>: {escape(r)}</li>" for w, r in entry.findings)
        rows.append(f"<dt>found</dt><dd><ul>{items}</ul></dd>")
    elif entry.state in ("changed", "left"):
        rows.append("<dt>found</dt><dd>nothing that needs fixing</dd>")
    if entry.edits:
        items = "".join(f"<li>{escape(i)} <small>({escape(p)})</small></li>" for i, p in entry.edits)
        rows.append(f"<dt>edits applied</dt><dd><ul>{items}</ul></dd>")
    if entry.refused:
        rows.append(f"<dt>refused</dt><dd>{escape(entry.refused)}</dd>")
    if entry.series:
        rows.append(f"<dt>series</dt><dd>{escape(entry.series_note)}; the critic alone would have done: "
                    f"{escape(entry.own)}</dd>")
    return (f'<article class="{entry.state}"><h3 title="{escape(entry.source)}">{escape(entry.name)}{badges}'
            f'<small class=src>{escape(entry.source)}</small></h3><div class="pair">'
            f'{_figure(entry, "before", sizes, files, eager)}{_figure(entry, "after", sizes, files, eager)}</div>'
            f'<dl>{"".join(rows)}</dl></article>')


def render(entries: list[Entry], sizes: dict[str, tuple[int, int]], files: str, title: str, started: float,
           finished: float | None, summary: str, unread: list[str]) -> str:
    """The whole page."""
    counts = {s: sum(e.state == s for e in entries) for s in _STATE_WORDS}
    done = len(entries) - counts["pending"]
    clock = lambda t: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))  # noqa: E731
    if finished is None:
        status = (f"Running: {done} of {len(entries)} photos finished (started {clock(started)}, "
                  f"updated {clock(time.time())}; this page reloads every {REFRESH_SECONDS} s).")
        refresh = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">'
    else:
        status = f"{'Stopped' if summary.startswith('interrupted') else 'Finished'} {clock(finished)}: {summary}."
        refresh = ""
    eager = len(entries) <= 100  # a long page loads its pictures as they scroll into view
    groups: dict[str | None, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.series, []).append(e)
    sections = []
    for sid, members in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[1][0].order)):
        if sid is None:
            head = "<h2>Photos not in a series</h2>" if len(groups) > 1 else "<h2>Photos</h2>"
        else:
            head = (f"<h2>Series {escape(sid)}: {escape(members[0].series_label)}</h2><p class=shared>White "
                    "balance and exposure corrected together, so that the photos match; everything else per photo.</p>")
            members = sorted(members, key=lambda e: (e.series_rank, e.order))
        cards = "".join(_article(e, sizes, files, eager) for e in members)
        sections.append(f'<section>{head}<div class="grid">{cards}</div></section>')
    if unread:
        items = "".join(f"<li>{escape(u)}</li>" for u in unread)
        sections.append(f"<section><h2>Files not read</h2><ul>{items}</ul></section>")
    nav = (f'<nav>Show: <a href="#all">all ({len(entries)})</a><a href="#changed">changed ({counts["changed"]})</a>'
           f'<a href="#left">left alone ({counts["left"]})</a><a href="#failed">failed ({counts["failed"]})</a></nav>')
    return ("<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"{refresh}<title>spc report: {escape(title)}</title><style>{_CSS}</style></head><body>"
            '<span id=changed class=anchor></span><span id=left class=anchor></span>'
            '<span id=failed class=anchor></span>'
            f"<header><h1>spc report: {escape(title)}</h1><p class=status>{escape(status)}</p>{nav}</header>"
            f"<main>{''.join(sections)}</main></body></html>\n")
