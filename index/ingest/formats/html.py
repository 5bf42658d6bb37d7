"""HTML pages (``.html``, ``.htm``): read into a title and sections, with its structure kept.

The page's own elements decide: ``h1``-``h6`` are headings, ``p``, ``li``,
``dd`` and text standing alone in a ``div`` are paragraphs, ``pre`` is code,
a table is one line a row ("cell — cell"), a definition list "term — text".
Text inside a block is joined as a browser shows it, so inline code wrapped
over several source lines stays in its sentence.

Page chrome goes before reading: navigation, headers and footers, forms,
scripts, and elements whose role, class or id says they are navigation, a
table of contents, a sidebar, share or comment widgets (an id of more than
three words is a heading's slug, "how-do-i-share-...", and says nothing);
so do a heading's permalink mark ("¶") and a block that is nearly all links
(a list of links to other pages).  When the page marks its main content (one
``main`` or ``article``), only that is read.  A page that has nothing else
(a chapter page that is its table of contents) is no document.

Why not trafilatura's text: it finds an article's main text well, but keeps
no headings in documentation generated from DocBook, Sphinx and the like
(none of 67 in a chapter of the Debian Reference, whose headings sit inside
anchors in nested ``div``s) and writes inline code wrapped over lines as
code fences.  Its metadata reader still gives author, date and address.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...records import Section
from ..chunking import CODE_INDENT
from ..cleaning import without_widgets
from ..markup import strip_markdown
from ..meta import usable_page_meta
from ..reading import Unreadable, read_text
from . import Format, Parsed

_DROP_TAGS = frozenset(
    "script style noscript template nav footer aside form button select option textarea "
    "iframe svg canvas object embed head map audio video".split()
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    "p div li dt dd blockquote section article main figure figcaption caption summary details "
    "address center ul ol dl body td th tr table pre".split()
    + list(_HEADINGS)
)
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
_CHROME_WORDS = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|navheader|navfooter|navigation|menu|breadcrumbs?|sidebar|"
    r"sphinxsidebar|toc|list-of-(?:tables|figures|examples)|footer|cookies?|share|sharing|"
    r"social|related|comments?|advert|ads|pagination|skip-link)(?:$|[-_\s])",
    re.I,
)
# The mark a heading or an entry links to itself with ("¶", "#"), in the
# names Sphinx, MkDocs, Docusaurus and anchor.js give it.
_PERMALINK = re.compile(
    r"(?:^|[-_\s])(?:headerlink|permalink|hash-link|anchor-link|anchorjs-link)(?:$|[-_\s])", re.I
)
# Inside a heading, inline elements are chrome only as permalinks: its text may
# sit in a link back to the table of contents (Sphinx: class "toc-backref").
_INLINE = frozenset("a span em strong b i code small abbr".split())
# A section's id is its heading's slug ("comments", "how-do-i-share-..."), and
# so is a longer id anywhere: neither names chrome.
_SLUGGED = frozenset(["section", "article", "dt", *_HEADINGS])
_ID_PARTS = re.compile(r"[-_\s]+")
_ID_WORDS = 3
_FOOTNOTE_MARK = re.compile(r"^\[?\d{1,3}\]?$")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_LINK_SHARE = 0.7
_MAX_ITEM_CHARS = 90
# A site generator's search page (Sphinx's search.html, a results page) is a
# heading, a hint ("activate JavaScript") and a form: no document, though
# every word of it would otherwise be a passage that answers "how do I
# search for…".  A page of text with a search box in it is a document, and
# so is a short page with the site's search box in its header or sidebar.
_SEARCH_PAGE = "a search page: a form to search the site, no text of its own"
_SEARCH_FIELDS = frozenset({"q", "query", "search", "s", "searchword", "keys", "keyword"})
_SEARCH_NAME = re.compile(r"(?<![a-z])search", re.IGNORECASE)  # not "research"
# Text of its own: letters and digits, not words (a run of Chinese is one word)
_OWN_TEXT_CHARS = 200
_PROSE_WORDS = 10  # a paragraph this long, less than half of it links, is prose
_PROSE_LINKS = 0.5  # ("Previous topic … Next topic …" is 0.65 links)


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "")


def _is_chrome(element: Any) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROP_TAGS or _named_chrome(element, tag):
        return True
    if tag == "header" and element.getparent() is not None:
        inside_content = any(a.tag in ("article", "main") for a in element.iterancestors())
        if not inside_content:
            return True
    if (element.get("role") or "").lower() in _CHROME_ROLES:
        return True
    return tag == "sup" and bool(_FOOTNOTE_MARK.match(element.text_content().strip()))


def _named_chrome(element: Any, tag: str) -> bool:
    """Whether the element's class (or short id) names it chrome."""
    classes = element.get("class") or ""
    if _PERMALINK.search(classes):
        return True
    if tag in _INLINE and any(a.tag in _HEADINGS or a.tag == "dt" for a in element.iterancestors()):
        return False
    ident = element.get("id") or ""
    if tag in _SLUGGED or len(_ID_PARTS.split(ident)) > _ID_WORDS:
        ident = ""
    names = f"{classes} {ident}"
    return bool(names.strip() and _CHROME_WORDS.search(names))


def _without_chrome(content: Any) -> None:
    """Remove the chrome inside ``content`` from the tree, its tail text kept:
    a heading or a table cell is then read without the permalink mark ("¶")
    or the footnote number inside it, as the content is without navigation.
    The content element itself stays whatever its class says (Read the Docs
    puts its text in "wy-nav-content")."""
    from lxml import etree

    for element in list(content.iter(etree.Element)):
        if element is not content and _is_chrome(element):
            element.drop_tree()


def _link_share(element: Any) -> float:
    total = len(_text(element.text_content()).strip())
    if not total:
        return 0.0
    linked = sum(len(_text(a.text_content()).strip()) for a in element.iter("a"))
    return linked / total


@dataclass
class _Reader:
    """Walks the content element, collecting blocks in reading order."""

    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    inline: list[str] = field(default_factory=list)

    def flush(self) -> None:
        text = _text("".join(self.inline)).strip()
        self.inline.clear()
        if text:
            self.blocks.append(("para", text))

    def walk(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag and not self._special(element, tag):
            block = tag in _BLOCKS
            if block:
                self.flush()
            self.inline.append(_text(element.text))
            for child in element:
                self.walk(child)
            if block:
                self.flush()
                if tag in ("ul", "ol"):
                    self.blocks.append(("end-list", ""))
        self.inline.append(_text(element.tail))

    def _special(self, element: Any, tag: str) -> bool:
        """Read a heading, code, a table or a definition list; skip a list that
        is nearly all links (navigation, a table of contents); a line break
        parts words as a space does.  False for any other element."""
        if tag == "br":
            self.inline.append(" ")
            return True
        if tag not in _HEADINGS and tag not in ("pre", "table", "dl", "ul", "ol"):
            return False
        if tag in ("ul", "ol") and _link_share(element) < _LINK_SHARE:
            return False
        self.flush()
        if tag in _HEADINGS:
            heading = _text(element.text_content()).strip()
            if heading:
                self.blocks.append((f"h{_HEADINGS[tag]}", heading))
        elif tag == "pre":
            code = element.text_content().strip("\n")
            if code.strip():
                self.blocks.append(("code", code))
        elif tag == "table":
            self._table(element)
        elif tag == "dl":
            self._definitions(element)
        return True

    def _table(self, table: Any) -> None:
        rows = []
        for row in table.iter("tr"):
            cells = [_text(cell.text_content()).strip() for cell in row if cell.tag in ("td", "th")]
            cells = [cell for cell in cells if cell]
            if cells:
                rows.append(" — ".join(cells))
        if rows:
            self.blocks.append(("table", "\n".join(rows)))

    def _definitions(self, dl: Any) -> None:
        """A term and its description as one paragraph: "term — description"."""
        term = ""
        for child in dl:
            if child.tag == "dt":
                if term:
                    self.blocks.append(("para", term))
                term = _text(child.text_content()).strip()
            elif child.tag == "dd":
                sub = _Reader()
                sub.walk(child)
                sub.flush()
                added = [(kind, text) for kind, text in sub.blocks if kind != "end-list"]
                if term and added and added[0][0] == "para":
                    added[0] = ("para", f"{term} — {added[0][1]}")
                elif term:
                    added.insert(0, ("para", term))
                term = ""
                self.blocks.extend(added)
        if term:
            self.blocks.append(("para", term))


def _content_root(root: Any) -> Any:
    """The page's main content when it marks one, else its body."""
    for query in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(query)
        if len(found) == 1:
            return found[0]
    body = root.find(".//body")
    return body if body is not None else root


def _sections(blocks: list[tuple[str, str]]) -> tuple[str | None, list[Section]]:
    """(the first top heading as title, sections) from the blocks.

    Short list items are one paragraph a list, a line each; a code block is
    its own paragraph, each line indented by ``CODE_INDENT``.
    """
    title: str | None = None
    levels = [int(kind[1]) for kind, _ in blocks if kind[:1] == "h" and kind[1:].isdigit()]
    top = min(levels) if levels else 0
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    list_open = False
    for kind, text in blocks:
        paragraphs = sections[-1][1]
        if kind == "end-list":
            list_open = False
            continue
        if kind[:1] == "h" and kind[1:].isdigit():
            if title is None and int(kind[1]) == top and not any(p for _, p in sections):
                title = text
            else:
                sections.append((text, []))
            list_open = False
        elif kind == "code":
            lines = [line.rstrip() for line in text.split("\n")]
            paragraphs.append("\n".join(CODE_INDENT + line if line else "" for line in lines))
            list_open = False
        elif kind == "table":
            paragraphs.append(text)
            list_open = False
        elif (
            len(text) <= _MAX_ITEM_CHARS
            and paragraphs
            and (list_open or paragraphs[-1].endswith(":"))
            and not paragraphs[-1].startswith(CODE_INDENT)
        ):
            paragraphs[-1] += "\n" + text
            list_open = True
        else:
            paragraphs.append(text)
            list_open = len(text) <= _MAX_ITEM_CHARS and text.endswith(":")
    return title, [Section(h, tuple(p)) for h, p in sections if p]


def _parse(page: str) -> Any:
    """The page's element tree, or ``None`` when lxml cannot parse it."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", page, count=1))
    except (ValueError, TypeError, ParserError):
        return None


def html_sections(page: str) -> tuple[str | None, list[Section], dict[str, str]]:
    """(title, sections, metadata) of an HTML page; the metadata holds the
    page's ``<title>`` and the language its ``html`` element declares.

    >>> title, sections, meta = html_sections(
    ...     "<html><body><nav><a href='/'>Home</a></nav><h1>Guide</h1><p>Intro text.</p>"
    ...     "<h2>7.12. How do I put a package on hold?</h2><p>With apt, use\\n<code>apt-mark\\n"
    ...     "hold</code> and the name:</p><pre>apt-mark hold foo</pre>"
    ...     "<table><tr><th>Team</th><th>Phone</th></tr><tr><td>Support</td><td>2200</td></tr>"
    ...     "</table></body></html>")
    >>> title, [s.heading for s in sections]
    ('Guide', [None, '7.12. How do I put a package on hold?'])
    >>> print("\\n".join(sections[1].paragraphs))
    With apt, use apt-mark hold and the name:
        apt-mark hold foo
    Team — Phone
    Support — 2200
    """
    root = _parse(page)
    if root is None:  # a page lxml cannot parse: no structure
        return None, [], {}
    return _read_tree(root)


def _read_tree(root: Any) -> tuple[str | None, list[Section], dict[str, str]]:
    """``html_sections`` of a parsed page (whose chrome it removes)."""
    meta = {}
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if declared and declared.strip():
        meta["lang"] = declared.strip()
    page_title = root.findtext(".//title")
    if page_title and page_title.strip():
        meta["title"] = _text(page_title).strip()
    content = _content_root(root)
    _without_chrome(content)
    reader = _Reader()
    reader.walk(content)
    reader.flush()
    title, sections = _sections(reader.blocks)
    return title, sections, meta


def html_to_markdown(page: str) -> tuple[str, dict[str, str]]:
    """Main text of a web page as Markdown (trafilatura's ``extract``), and its
    metadata (``html_metadata``, searching the text for a date as a web
    article gives it: "Posted on 3 March 2024").  trafilatura's metadata is
    read once: ``extract`` with metadata, then ``bare_extraction`` for it,
    read Python's 2.5 MB contents page in 12 s, this in 4.4 s."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    markdown = trafilatura.extract(
        page,
        output_format="markdown",
        include_formatting=True,
        favor_recall=True,
        include_comments=False,
        include_tables=True,
    )
    if not markdown or not markdown.strip():
        raise Unreadable("no main text found in the page")
    return markdown, html_metadata(page, extensive=True)


def html_metadata(page: str, extensive: bool = False) -> dict[str, str]:
    """A web page's title, author, date and address, as its head and byline
    give them (``extensive``: its text too).  Not a date from its code
    blocks and example output (``pre``) when it has text of its own beside
    them: htmldate found Python's tutorial dated 2022-01-01 by
    ``datetime: 2022-01-01T01:36:47``, 12 of the 570 realdocs pages by a log
    line, a diff header or ``uname`` output, none with a date of its own
    there.  A plain-text document wrapped in ``pre`` keeps its date.

    >>> html_metadata("<html><body><p>dpkg logs what it installs, with the time: "
    ...               "the date, the hour, the package and its version, one line for "
    ...               "each step, in a file that grows with every upgrade of the "
    ...               "system. Read it to see what changed and when, and which "
    ...               "packages came in with which upgrade of the system.</p>"
    ...               "<pre>2005-12-30 18:10:33 install hello 1.3.18</pre>"
    ...               "</body></html>")
    {}
    >>> html_metadata("<html><body><pre>Debian Project News\\nDate: 2024-03-03\\n"
    ...               "The news.</pre></body></html>")
    {'date': '2024-03-03'}
    """
    from trafilatura.metadata import extract_metadata

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.ERROR)
    root = _parse(page)
    if root is None:
        return {}
    blocks = list(root.iter("pre"))
    inside = sum(_letters(b.text_content()) for b in blocks)
    if _letters(root.text_content()) - inside >= _OWN_TEXT_CHARS:
        for block in blocks:
            block.drop_tree()
    found = extract_metadata(root, extensive=extensive)
    meta: dict[str, str] = {}
    for key in ("title", "author", "date", "url"):
        value = getattr(found, key, None)
        if value:
            meta[key] = str(value)
    return meta


def read(data: bytes, owner: Mapping[str, str]) -> Parsed:
    """The page's own structure; when it has none to read (a page of widgets
    around an article, say), the main text as trafilatura finds it.  A page
    that is only links or only a search form is no document (``_refuse``)."""
    page = read_text(data)
    root = _parse(page)
    if root is None:  # a page lxml cannot parse: its main text, if any
        return _main_text(page, searching=False)
    searching = _holds_a_search_form(root)  # before the chrome, forms with it, goes
    title, sections, page_meta = _read_tree(root)
    kept = without_widgets(sections)
    if not kept:
        return _main_text(page, searching)
    # links inside the content only: a site's menu beside a page holds its words
    content_links = _link_words(_content_root(root))
    _refuse([p for s in kept for p in s.paragraphs], content_links, searching)
    meta = usable_page_meta({**html_metadata(page), **page_meta})
    if title:
        meta["title"] = title  # the page's heading beats its head's title
    return Parsed(title=title, sections=tuple(kept), meta=meta)


def _main_text(page: str, searching: bool) -> Parsed:
    """A page without structure to read, as trafilatura finds its main text,
    weighed against the whole page's links (a table of contents is chrome,
    gone from the tree read for structure, so the page is parsed again: only
    pages that come this way pay for it)."""
    markdown, found = html_to_markdown(page)
    text = strip_markdown(markdown)
    root = _parse(page)
    links = _link_words(root) if root is not None else Counter[str]()
    _refuse(text.splitlines(), links, searching)
    return Parsed(meta=usable_page_meta(found), text=text)


def _refuse(paragraphs: list[str], links: Counter[str], searching: bool) -> None:
    """``Unreadable`` when ``paragraphs``, what was read of a page, are no
    document: mostly the page's link texts (a chapter page that is its table
    of contents, a generated index of terms), or a few words beside a search
    form."""
    if _mostly_links(paragraphs, links):
        raise Unreadable(
            "only links: a table of contents, an index or a navigation page, no text of its own"
        )
    if searching and sum(map(_letters, paragraphs)) < _OWN_TEXT_CHARS:
        raise Unreadable(_SEARCH_PAGE)


def _letters(text: str) -> int:
    """How many letters and digits ``text`` holds."""
    return sum(map(len, _WORD.findall(text)))


def _holds_a_search_form(root: Any) -> bool:
    """Whether the page's content (``root``'s, read before its chrome goes)
    holds a form to search with, outside the page's chrome.

    >>> _holds_a_search_form(_parse('<body><h1>Search</h1><form><input name="q"></form></body>'))
    True
    >>> _holds_a_search_form(_parse('<body><form><input name="email"></form></body>'))
    False
    >>> _holds_a_search_form(_parse('<body><aside><form role="search"></form></aside></body>'))
    False
    """
    return any(
        _searches(form) and not any(_is_chrome(a) for a in form.iterancestors())
        for form in _content_root(root).iter("form")
    )


def _searches(form: Any) -> bool:
    """Whether a form searches: it says so in its role, class, id or address,
    or it has a search box (``type="search"``, or a text box named "q"…)."""
    names = " ".join(form.get(a) or "" for a in ("role", "class", "id", "action"))
    if _SEARCH_NAME.search(names):
        return True
    for box in form.iter("input"):
        kind = (box.get("type") or "text").lower()
        if kind == "search" or (kind == "text" and (box.get("name") or "") in _SEARCH_FIELDS):
            return True
    return False


def _link_words(root: Any) -> Counter[str]:
    """The words of the link texts under ``root``, each as often as the links
    hold it (links of fewer than three characters, "A" or "[1]", left out)."""
    found: Counter[str] = Counter()
    for link in root.iter("a"):
        words = _WORD.findall(link.text_content())
        if len("".join(words)) >= 3:
            found.update(words)
    return found


def _mostly_links(paragraphs: list[str], links: Counter[str]) -> bool:
    """Whether ``paragraphs`` (what was read of a page) are mostly the page's
    link texts (``links``: their words, counted), word by word, and none of
    ten words or more is less than half links: a chapter page that is its table of
    contents, a generated index of terms; not a stub beside a table of
    links.  Linear in the page: Python's index of terms has 40,000 words and
    10,000 links.

    >>> links = _link_words(_parse(
    ...     "<p><a href='a'>5.1. Booting from USB</a> <a href='b'>5.2. Accessibility</a></p>"))
    >>> _mostly_links(["5.1. Booting from USB", "5.2. Accessibility"], links)
    True
    >>> _mostly_links(["Boot from a USB stick: see 5.1. Booting from USB for the details."], links)
    False
    """
    left = Counter(links)
    read = linked = 0
    prose = False
    for paragraph in paragraphs:
        words = _WORD.findall(paragraph)  # not spaces: "(in module m)(class in m)"
        own = 0
        for word in words:
            if left[word] > 0:
                left[word] -= 1
                own += len(word)
        chars = sum(map(len, words))
        read, linked = read + chars, linked + own
        prose = prose or (len(words) >= _PROSE_WORDS and own < _PROSE_LINKS * chars)
    return read > 0 and linked >= _LINK_SHARE * read and not prose


FORMAT = Format("an HTML page", (".html", ".htm"), read)
