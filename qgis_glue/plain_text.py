"""Server and user strings as plain text in Qt: labels, message bar, tooltips, rich-text fragments.

Qt switches a QLabel, a tooltip or a QTextBrowser to HTML when the text looks like markup, and then loads
``<img src>`` paths on the GUI thread and turns ``<a href>`` into links. Every string that comes from a
server, a project file or a user therefore goes through one of these before it reaches a widget:

* :func:`escape` - for a fragment of markup the plugin builds itself (``f"<b>{escape(name)}</b>"``);
* :func:`rich_plain` - a whole text for a widget that guesses (tooltips): unchanged when it cannot look like
  markup, else escaped and wrapped in a paragraph so that Qt shows exactly these characters;
* :func:`set_plain` - a QLabel switched to ``Qt.PlainText`` and given the text;
* :func:`safe_link` - a URL only if it is http(s), else None (links never open ``file:``, ``smb:``...).
"""

from __future__ import annotations

import html
from typing import Any, Optional
from urllib.parse import urlsplit

from qgis.PyQt.QtCore import Qt

LINK_SCHEMES = ("http", "https")
_NOT_IN_LINKS = "<>\"'` \t\r\n\\"


def escape(text: Any) -> str:
    """``text`` with ``& < >`` as entities (None -> ""), for element content (never attribute values)."""
    return html.escape("" if text is None else str(text), quote=False)


def rich_plain(text: Any) -> str:
    """For widgets that guess (tooltips): ``text`` unchanged when it holds no ``<`` or ``&`` (Qt cannot take it
    for markup), else an escaped rich-text paragraph that shows exactly these characters."""
    value = "" if text is None else str(text)
    if "<" not in value and "&" not in value:
        return value
    return "<p>" + escape(value).replace("\n", "<br>") + "</p>"


def set_plain(label, text: Any) -> None:
    """Show ``text`` in ``label`` (a QLabel) as plain text, whatever it looks like."""
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText("" if text is None else str(text))


def safe_link(url: Any) -> Optional[str]:
    """``url`` stripped when it is an http(s) URL with a host and no markup characters; None otherwise."""
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if any(ch in candidate for ch in _NOT_IN_LINKS):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    return candidate if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None
