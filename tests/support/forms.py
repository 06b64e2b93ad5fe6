"""Read HTML forms the way a browser would, to drive real pages over plain HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str]
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = Form(a.get("action", ""), a.get("method", "get").lower(), a)
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image"}:
                self._current.buttons.append(a)
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._current.fields[a.get("name", "")] = a.get("value", "on")
            elif a.get("name"):
                self._current.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._current.buttons.append(a)
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._current.fields[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            self._current.fields[self._textarea] += data


def forms(html: str, base_url: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        form.action = urljoin(base_url, form.action.replace("&amp;", "&"))
    return parser.forms


def form_by_id(html: str, base_url: str, form_id: str) -> Form:
    for form in forms(html, base_url):
        if form.attrs.get("id") == form_id:
            return form
    raise LookupError(f"no form #{form_id} on {base_url}")
