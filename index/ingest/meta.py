"""Metadata a file comes with: checked when its owner wrote it for docbot
(front matter, a sidecar: a wrong value is the file's reason to be skipped),
cleaned when the file's own format carries it (an HTML head, a PDF's info:
values that are not what they claim are dropped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from ..errors import UnknownLanguage
from ..languages.detect import normalize_tag
from .cleaning import parse_date
from .reading import Unreadable

_NUMERIC_DATE = re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")


def checked_meta(meta: Mapping[str, str], origin: str) -> dict[str, str]:
    """The owner's metadata with ``lang``, ``date`` and ``url`` checked and normalised.

    A value that is not what its key says is the file's reason to be skipped:
    indexing it under a made-up language or a dead link would hide the mistake.

    >>> checked_meta({"lang": "German", "date": "13.04.2015"}, "its front matter")
    {'lang': 'de', 'date': '2015-04-13'}
    """
    out = dict(meta)
    if "lang" in out:
        try:
            out["lang"] = normalize_tag(out["lang"])
        except UnknownLanguage:
            raise Unreadable(
                f"{origin} says lang: {meta['lang']}, which is not a language "
                "(write a tag such as en or de-AT, or a name such as German)"
            ) from None
    if "date" in out:
        date = iso_date(out["date"])
        if date is None:
            raise Unreadable(
                f"{origin} says date: {meta['date']}, which is not a date (write it as YYYY-MM-DD)"
            )
        out["date"] = date
    if "url" in out and not is_web_address(out["url"]):
        raise Unreadable(
            f"{origin} says url: {meta['url']}, which is not a web address "
            "(write it in full, starting with https://)"
        )
    return out


def iso_date(value: str) -> str | None:
    """An ISO 8601 date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) for an owner's date."""
    text = value.strip()
    if _PARTIAL_DATE.match(text):
        return text
    numeric = _NUMERIC_DATE.match(text)
    if numeric:
        day, month, year = (int(numeric.group(k)) for k in ("d", "m", "y"))
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else None
    return parse_date(text)


def is_web_address(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in {"http", "https"} and bool(parts.netloc) and " " not in value.strip()


def usable_page_meta(meta: Mapping[str, str]) -> dict[str, str]:
    """What a file's own metadata (HTML head, PDF info) says, minus values that
    are not what they claim: the file's author did not write them for docbot."""
    out = dict(meta)
    if "lang" in out:
        try:
            out["lang"] = normalize_tag(out["lang"])
        except UnknownLanguage:
            del out["lang"]
    if "date" in out:
        date = iso_date(out["date"][:10])
        if date is None:
            del out["date"]
        else:
            out["date"] = date
    if "url" in out and not is_web_address(out["url"]):
        del out["url"]
    return out
