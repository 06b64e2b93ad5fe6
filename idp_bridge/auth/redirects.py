"""Where the bridge may send a browser after sign-in: same-origin paths only.

A ``next`` parameter is attacker-controlled. Browsers "fix" what they are given: they drop
tabs and newlines, read ``\\`` as ``/``, and ``//host`` as another site, so a target is judged
on every decoding of it, and anything that could be read as leaving the site is refused
rather than repaired.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_TARGET_LENGTH = 2000


def is_safe_path(target: object) -> bool:
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_LENGTH:
        return False
    seen = target
    for _ in range(3):  # double- and triple-encoded payloads too
        if not _plain_local_path(seen):
            return False
        decoded = unquote(seen)
        if decoded == seen:
            return True
        seen = decoded
    return False  # still changing after three decodings: nobody legitimate sends that


def _plain_local_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return False
    if "\\" in path or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def safe_next(target: object, default: str) -> str:
    return target if is_safe_path(target) and isinstance(target, str) else default
