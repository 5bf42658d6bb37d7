"""Real documentation keeps its structure: headings as sections, code as code,
tables as rows, each page once (issue: real documentation, end to end)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from docbot.index import BuildReport, Searcher, build_index, is_code_line
from docbot.index.ingest.loader import load_document
from docbot.index.records import Document

# The shape of a DocBook page as Debian's FAQ ships it: navigation table, a table
# of contents, headings inside anchors in nested divs, inline code wrapped over
# source lines, a command in <pre>, a table.
DOCBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head>
<title>Chapter 7. Basics of the Debian package management system</title></head><body>
<div class="navheader"><table width="100%"><tr><th colspan="3">Chapter 7. Basics</th></tr>
<tr><td><a accesskey="p" href="a.html">Prev</a></td><td><a href="b.html">Next</a></td></tr>
</table><hr /></div>
<div class="chapter"><div class="titlepage"><div><div><h1 class="title"><a id="pkg"></a>Chapter 7.
Basics of the Debian package management system</h1></div></div></div>
<div class="toc"><p><strong>Table of Contents</strong></p><dl class="toc">
<dt><span class="section"><a href="#hold">7.12. How do I put a package on hold?</a></span></dt>
<dt><span class="section"><a href="#mirror">7.13. Which mirror should I use?</a></span></dt>
</dl></div>
<div class="section"><div class="titlepage"><div><div><h2 class="title"><a id="hold"></a>7.12. How
do I put a package on hold?</h2></div></div></div>
<p>With apt, you can set a package to hold using</p>
<pre class="screen">apt-mark hold package_name</pre>
<p>and remove the hold with</p><pre class="screen">apt-mark unhold package_name</pre></div>
<div class="section"><div class="titlepage"><div><div><h2 class="title"><a id="mirror"></a>7.13.
Which mirror should I use?</h2></div></div></div>
<p>If you upgrade from an older release you are still able to use <code class="literal">apt</code>
<code class="literal">package</code> tools by pointing the
<code class="literal">sources.list</code> file at the archive of that release. The archive keeps
every release that was ever published.</p>
<div class="table"><p class="title"><b>Table 7.1. Mirror bandwidth</b></p><table border="1">
<thead><tr><th>mirror</th><th>bandwidth</th></tr></thead>
<tbody><tr><td>deb.example.org</td><td>10 Gbit/s</td></tr>
<tr><td>ftp.example.net</td><td>1 Gbit/s</td></tr></tbody></table></div></div></div>
<div class="navfooter"><hr /><table><tr><td><a href="a.html">Prev</a></td>
<td><a href="index.html">Home</a></td></tr></table></div></body></html>
"""


def read_page(tmp_path: Path, name: str, html: str) -> Document:
    """The document docbot reads from this page (HTML), saved as ``name``."""
    page = tmp_path / name
    page.write_text(html, encoding="utf-8")
    return load_document(page, page.name)


def index_pages(tmp_path: Path, pages: dict[str, str]) -> BuildReport:
    """Build an index of these pages (name to HTML) in a corpus of their own,
    as ``tmp_path / "index.db"``."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, page in pages.items():
        (corpus / name).write_text(page, encoding="utf-8")
    return build_index(corpus, tmp_path / "index.db")


def test_docbook_headings_become_sections_and_the_chapter_the_title(tmp_path: Path) -> None:
    doc = read_page(tmp_path, "pkg-basics.en.html", DOCBOOK)
    assert doc.title == "Chapter 7. Basics of the Debian package management system"
    assert [s.heading for s in doc.sections] == [
        "7.12. How do I put a package on hold?",
        "7.13. Which mirror should I use?",
    ]
    body = "\n".join(p for s in doc.sections for p in s.paragraphs)
    for chrome in ("Prev", "Next", "Table of Contents", "Home"):
        assert chrome not in body


def test_inline_code_wrapped_over_lines_stays_in_its_sentence(tmp_path: Path) -> None:
    doc = read_page(tmp_path, "mirror.html", DOCBOOK)
    paragraphs = [p for s in doc.sections for p in s.paragraphs]
    assert (
        "If you upgrade from an older release you are still able to use apt package tools by "
        "pointing the sources.list file at the archive of that release. The archive keeps every "
        "release that was ever published."
    ) in paragraphs
    assert not any("```" in p for p in paragraphs)


def test_tables_read_as_rows_and_code_as_code(tmp_path: Path) -> None:
    doc = read_page(tmp_path, "mirror.html", DOCBOOK)
    paragraphs = [p for s in doc.sections for p in s.paragraphs]
    assert "mirror — bandwidth\ndeb.example.org — 10 Gbit/s\nftp.example.net — 1 Gbit/s" in (
        paragraphs
    )
    assert not any("|" in p for p in paragraphs)
    code = [p for p in paragraphs if is_code_line(p)]
    assert [c.strip() for c in code] == [
        "apt-mark hold package_name",
        "apt-mark unhold package_name",
    ]


def test_the_answer_quotes_the_sentence_and_the_command_it_introduces(tmp_path: Path) -> None:
    index_pages(tmp_path, {"pkg-basics.en.html": DOCBOOK})
    hit = Searcher(tmp_path / "index.db").ask("How do I put a package on hold?").hits[0]
    assert hit.passage.section == "7.12. How do I put a package on hold?"
    lines = hit.quote.text.split("\n")
    assert lines[0] == "With apt, you can set a package to hold using"
    assert [line.strip() for line in lines if is_code_line(line)] == ["apt-mark hold package_name"]


def test_a_page_reached_by_two_names_or_copied_is_indexed_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pkg-basics.en.html").write_text(DOCBOOK, encoding="utf-8")
    (corpus / "pkg-basics.html").symlink_to("pkg-basics.en.html")  # as Debian's FAQ ships it
    (corpus / "web").mkdir()
    (corpus / "web" / "pkg-basics.en.html").write_text(DOCBOOK, encoding="utf-8")
    db = tmp_path / "index.db"
    report = build_index(corpus, db)
    assert report.added == ("pkg-basics.en.html",)
    assert not report.skipped  # nothing is wrong with those files: they are copies
    assert dict(report.copies) == {
        "pkg-basics.html": "pkg-basics.en.html",
        "web/pkg-basics.en.html": "pkg-basics.en.html",
    }
    hits = Searcher(db).ask("Which mirror should I use?", top=5).hits
    assert [h.passage.doc for h in hits].count("pkg-basics.en.html") == len(hits)
    assert len({h.passage.text for h in hits}) == len(hits)

    (corpus / "pkg-basics.html").unlink()
    (corpus / "pkg-basics.en.html").unlink()
    report = build_index(corpus, db)  # the copy is all that is left: now it is indexed
    assert report.added == ("web/pkg-basics.en.html",) and not report.copies


def test_docx_tables_are_read_as_rows_and_the_template_date_is_not_the_documents(
    tmp_path: Path,
) -> None:
    from docx import Document

    document = Document()  # python-docx's template says it was created on 2013-12-23
    document.add_heading("Contactos", 1)
    document.add_paragraph("Llame al número de su equipo.")
    table = document.add_table(rows=2, cols=2)
    for row, (team, phone) in zip(
        table.rows, [("Equipo", "Teléfono"), ("Servicio técnico", "2200")], strict=True
    ):
        row.cells[0].text, row.cells[1].text = team, phone
    path = tmp_path / "contactos.docx"
    document.save(str(path))
    doc = load_document(path, path.name)
    assert "Equipo — Teléfono\nServicio técnico — 2200" in doc.sections[0].paragraphs
    assert doc.date is None
    db = tmp_path / "index.db"
    build_index(tmp_path, db)
    hit = Searcher(db).ask("¿Cuál es el teléfono del servicio técnico?").hits[0]
    assert "Servicio técnico — 2200" in hit.quote.text


def test_a_pdf_producers_title_gives_way_to_the_first_heading(tmp_path: Path) -> None:
    from tests.test_formats import make_pdf

    path = tmp_path / "remarks.pdf"
    path.write_bytes(
        make_pdf(
            [["Fifty Remarks on Networking", "", "1. Follow up within a week of meeting someone."]],
            title="Enscript Output",
        )
    )
    assert load_document(path, path.name).title == "Fifty Remarks on Networking"


def test_numbered_remarks_at_page_edges_are_text_not_running_heads(tmp_path: Path) -> None:
    from tests.test_formats import make_pdf

    pages = []
    for page in range(4):
        first, last = 2 * page + 1, 2 * page + 2
        pages.append(
            [
                f"Remark {first}",
                f"Networking advice number {first} is to follow up within {first} days.",
                f"Remark {last}",
                f"Networking advice number {last} is to thank people within {last} hours.",
                f"Page {page + 1} of 4",
            ]
        )
    path = tmp_path / "remarks.pdf"
    path.write_bytes(make_pdf(pages, title="Remarks"))
    text = "\n".join(p for s in load_document(path, path.name).sections for p in s.paragraphs)
    for number in range(1, 9):
        assert f"advice number {number} is" in text
    assert "Page 2 of 4" not in text


def test_a_pdf_outline_names_the_sections(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    from tests.test_formats import make_pdf

    plain = make_pdf(
        [
            [
                "Guide",
                "",
                "What you need to have installed before you start packaging your first program",
                "",
                "You need the build-essential package.",
            ],
            ["2 First steps", "", "Get the program, and try it out before packaging it."],
        ]
    )

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(plain)))
    writer.add_outline_item(
        title="What you need to have installed before you start packaging your first program",
        page_number=0,
    )
    writer.add_outline_item(title="First steps", page_number=1)
    path = tmp_path / "guide.pdf"
    with path.open("wb") as out:
        writer.write(out)
    doc = load_document(path, path.name)
    assert [s.heading for s in doc.sections] == [
        "What you need to have installed before you start packaging your first program",
        "2 First steps",
    ]


def test_markdown_tables_code_and_escapes_read_as_on_a_page(tmp_path: Path) -> None:
    path = tmp_path / "hold.md"
    path.write_text(
        "# Packages\n\n## How do I put a package on hold?\n\nWith apt, you can set a package "
        "to hold using\n\n```\napt-mark hold package\\_name\n```\n\n| mirror | bandwidth |\n"
        "|---|---|\n| deb.example.org | 10 Gbit/s |\n\nUse `apt-mark showhold` to list\n"
        "held packages, with \\<name\\> as the package.\n",
        encoding="utf-8",
    )
    doc = load_document(path, path.name)
    (section,) = doc.sections
    assert section.heading == "How do I put a package on hold?"
    assert section.paragraphs == (
        "With apt, you can set a package to hold using",
        "    apt-mark hold package\\_name",
        "mirror — bandwidth\ndeb.example.org — 10 Gbit/s",
        "Use apt-mark showhold to list held packages, with <name> as the package.",
    )


def test_a_pages_declared_language_decides_over_its_words(tmp_path: Path) -> None:
    """A translated page that keeps untranslated English paragraphs is in the
    language its name (``advanced.es.html``, as Debian ships translations) or
    its ``<html lang>`` says."""
    english = "<p>This paragraph was not translated yet and stays in English for now.</p>" * 3
    spanish = "<p>Este capítulo explica técnicas avanzadas de empaquetado.</p>"
    named = tmp_path / "advanced.es.html"
    named.write_text(f"<html><body><h1>Técnicas avanzadas</h1>{english}{spanish}</body></html>")
    assert load_document(named, named.name).lang == "es"
    declared = tmp_path / "advanced.html"
    declared.write_text(
        f"<html lang='es'><body><h1>Técnicas avanzadas</h1>{english}{spanish}</body></html>"
    )
    assert load_document(declared, declared.name).lang == "es"
    plain = tmp_path / "plain.html"
    plain.write_text(f"<html><body><h1>Advanced</h1>{english}</body></html>")
    assert load_document(plain, plain.name).lang == "en"


@pytest.mark.parametrize(
    ("inline", "sentence"),
    [
        (  # a line break parts the words it stands between
            "Write to the Debian office<br>in Hamburg, and expect an answer within a week.",
            "Write to the Debian office in Hamburg, and expect an answer within a week.",
        ),
        (  # a footnote mark is not quoted (the old reader left "\\[ 21 \\]" in it)
            'Debian is 100% free software<sup>[<a href="#ftn.21">21</a>]</sup> and its '
            "packages are hosted by Debian servers.",
            "Debian is 100% free software and its packages are hosted by Debian servers.",
        ),
    ],
)
def test_inline_markup_reads_as_the_sentence_a_browser_shows(
    tmp_path: Path, inline: str, sentence: str
) -> None:
    page = f"<html><body><h1>Notes</h1><p>{inline}</p></body></html>"
    doc = read_page(tmp_path, "page.html", page)
    assert doc.sections[0].paragraphs == (sentence,)


# The shape of a Sphinx page (Python's documentation): headings whose text sits
# in a link back to the contents and ends in a permalink mark, sections whose
# ids are slugs of their headings, API entries with their own permalinks.
SPHINX = """<!DOCTYPE html><html lang="en"><head><title>Programming FAQ — Python 3.11 documentation
</title></head><body>
<div class="related" role="navigation"><ul><li><a href="index.html">index</a></li>
<li><a href="general.html">previous</a> |</li></ul></div>
<div class="document"><div class="body" role="main">
<section id="programming-faq"><h1>Programming FAQ<a class="headerlink" href="#programming-faq"
title="Permalink to this heading">¶</a></h1>
<nav class="contents" id="contents"><p>Contents</p><ul><li><a href="#share">How do I share
global variables across modules?</a></li></ul></nav>
<section id="how-do-i-share-global-variables-across-modules">
<h2><a class="toc-backref" href="#id1" role="doc-backlink">How do I share global variables across
modules?</a><a class="headerlink" href="#how" title="Permalink to this heading">¶</a></h2>
<p>The canonical way to share information across modules within a single program is to create a
special module, often called config or cfg.</p>
<dl class="py function"><dt class="sig sig-object py" id="base64.b64encode">
<span class="sig-name descname">b64encode</span>(s)<a class="headerlink" href="#b64"
title="Permalink to this definition">¶</a></dt>
<dd><p>Encode the bytes-like object s using Base64 and return the encoded bytes.</p></dd></dl>
</section></section></div></div>
<div class="footer">© Copyright 2001-2026, Python Software Foundation.</div></body></html>
"""


def test_sphinx_headings_keep_their_text_and_lose_the_permalink_mark(tmp_path: Path) -> None:
    doc = read_page(tmp_path, "programming.html", SPHINX)
    assert doc.title == "Programming FAQ"
    assert [s.heading for s in doc.sections] == [
        "How do I share global variables across modules?"
    ]  # in a link back to the contents, in a section whose id holds "share"
    body = "\n".join(doc.sections[0].paragraphs)
    assert "create a special module, often called config or cfg." in body
    assert "b64encode(s) — Encode the bytes-like object s using Base64" in body
    assert "¶" not in body and "Copyright" not in body and "previous" not in body


def test_a_page_that_is_only_its_table_of_contents_is_skipped_and_says_why(
    tmp_path: Path,
) -> None:
    entries = "".join(
        f'<dt><span class="section"><a href="ch05s0{n}.html">5.{n}. Booting from medium {n}</a>'
        "</span></dt>"
        for n in range(1, 8)
    )
    report = index_pages(
        tmp_path,
        {
            "ch05.html": "<html><head><title>Chapter 5. Booting the Installation System</title>"
            '</head><body><div class="chapter"><h1 class="title">Chapter 5. Booting the '
            'Installation System</h1><div class="toc"><p><b>Table of Contents</b></p>'
            f'<dl class="toc">{entries}</dl></div></div></body></html>',
            "ch05s01.html": '<html><body><div class="navheader"><a href="ch05.html">Up</a> '
            '<a href="x">Next</a></div><h1>5.1. Booting from a USB memory stick</h1><p>Plug in '
            'the USB stick and restart the computer; see <a href="ch04.html">Chapter 4</a> for '
            "how to prepare it.</p></body></html>",
        },
    )
    reasons = dict(report.skipped)
    assert reasons["ch05.html"].startswith("only links: a table of contents")
    assert "ch05s01.html" in report.added  # a page with text of its own, its links beside it


def test_a_generated_index_of_terms_is_skipped_however_large(tmp_path: Path) -> None:
    """Sphinx's genindex pages read as structure (a table of lists) yet are only
    links: every term of the manual once more, an answer to every question.
    Python's genindex-all.html (43,000 words, 10,000 links) took 47 s to test
    when each link text was searched for in the text; word counts are linear."""
    entries = "".join(
        f'<li><a href="library/m{n}.html#f{n}">function_{n}() (in module m{n})</a>'
        f'<ul><li><a href="library/m{n}.html#c{n}">(class in m{n})</a></li></ul></li>'
        for n in range(4000)
    )
    report = index_pages(
        tmp_path,
        {
            "genindex-all.html": '<html><body><div class="body" role="main"><h1 id="index">'
            f'Index</h1><h2 id="F">F</h2><table class="indextable"><tr><td><ul>{entries}</ul>'
            "</td></tr></table></div></body></html>",
            "m1.html": '<html><body><div class="body" role="main"><h1>m1 — Tools</h1><p>The '
            '<a href="#f1">function_1()</a> function formats a report; see '
            '<a href="m2.html">m2</a> for the parser it reads with.</p></div></body></html>',
        },
    )
    reasons = dict(report.skipped)
    assert reasons["genindex-all.html"].startswith("only links: a table of contents, an index")
    assert "m1.html" in report.added  # prose with links in it is prose


def test_a_generators_search_page_is_skipped_and_says_why(tmp_path: Path) -> None:
    """Sphinx writes search.html beside the pages: a heading, a hint and a form,
    useless without JavaScript. It is no document; a page with text of its own
    and a search box in it is one."""
    search = (
        '<html lang="fr"><body><div class="related" role="navigation"><a href="index.html">'
        'index</a></div><div class="document"><div class="body" role="main">'
        '<h1 id="search-documentation">Recherche</h1><noscript><div class="admonition warning">'
        "<p>Veuillez activer le JavaScript pour que la recherche fonctionne.</p></div></noscript>"
        "<p>Une recherche sur plusieurs mots ne retourne que les résultats contenant tous les "
        'mots.</p><form action="" method="get"><input type="text" name="q" value=""/>'
        '<input type="submit" value="rechercher"/></form><div id="search-results"></div>'
        "</div></div></body></html>"
    )
    prose = " ".join(
        f"Le paquet numéro {n} se construit avec dpkg-buildpackage et se vérifie avec lintian."
        for n in range(1, 6)
    )
    outils = (
        '<html lang="fr"><body><div class="body" role="main"><h1>Outils</h1>'
        '<form action="search.html"><input type="search" name="q"/></form>'
        f"<p>{prose}</p></div></body></html>"
    )
    report = index_pages(tmp_path, {"search.html": search, "outils.html": outils})
    reasons = dict(report.skipped)
    assert reasons["search.html"].startswith("a search page")
    assert "outils.html" in report.added


def test_short_pages_with_a_site_search_box_or_a_table_of_links_are_documents(
    tmp_path: Path,
) -> None:
    """What the search-page and only-links rules must not take: a wiki stub
    with the site's search box in its header, a page whose newsletter form
    says "research", a Chinese page (few "words", many letters), a stub
    beside a table of links to its sister pages."""
    box = '<form id="dw__search" action="/doku.php"><input type="text" name="q"/></form>'
    pages = {
        "stub.html": f"<html><body><header>{box}</header><h1>Printer setup</h1><p>The office "
        "printer is on the second floor; add it as printer-2 with the driver that the wiki's "
        "hardware page lists.</p></body></html>",
        "lab.html": "<html><body><h1>Lab notes</h1><p>We keep the samples at four degrees and "
        'label each one with the date.</p><form class="research-newsletter"><input type="text" '
        'name="email"/></form></body></html>',
        "zh.html": f'<html lang="zh"><body><header>{box}</header><h1>打印机</h1><p>办公室的打印机'
        "在二楼，请使用维基硬件页面列出的驱动程序把它添加为二号打印机。如果无法打印，请先检查纸张和"
        "网络连接，然后重新启动打印服务。</p></body></html>",
        "navbox.html": "<html><body><h1>Backups</h1><p>Back up the home folders every night to "
        'the second disk with <a href="rsync.html">rsync</a>; keep seven copies and test a restore '
        'once a month, as the <a href="policy.html">policy</a> asks.</p><table class="navbox">'
        + "".join(
            f'<tr><td><a href="p{n}.html">Server room page number {n}</a></td></tr>'
            for n in range(45)
        )
        + "</table></body></html>",
    }
    report = index_pages(tmp_path, pages)
    assert dict(report.skipped) == {}
    assert sorted(report.added) == sorted(pages)


def test_a_single_page_edition_beside_its_chapters_is_not_quoted_twice(tmp_path: Path) -> None:
    chapters = {
        "tools.html": (
            "1. Tools",
            "1.2. piuparts",
            "piuparts tests the installation, upgrade "
            "and removal of .deb packages in a clean chroot before they are uploaded.",
        ),
        "pkgs.html": (
            "5. Packages",
            "5.3. Testing the package",
            "Install the package, upgrade it "
            "from the previous version and remove it again, by hand or with piuparts.",
        ),
    }
    pages = {
        name: f"<html><body><h1>{title}</h1><h2>{heading}</h2><p>{text}</p></body></html>"
        for name, (title, heading, text) in chapters.items()
    }
    whole = "".join(f"<h2>{heading}</h2><p>{text}</p>" for _, heading, text in chapters.values())
    pages["reference.html"] = f"<html><body><h1>Developer's Reference</h1>{whole}</body></html>"
    index_pages(tmp_path, pages)
    answer = Searcher(tmp_path / "index.db").ask("What does piuparts test?", top=5)
    texts = [h.passage.text for h in answer.hits]
    assert len(texts) == 2 and len(set(texts)) == 2, [h.passage.doc for h in answer.hits]
    assert answer.total == 2  # the copies are not counted as more to see


def test_an_untranslated_paragraph_is_a_passage_in_its_own_language(tmp_path: Path) -> None:
    """Debian's translations leave paragraphs in English; each is searched and
    shown as English, while the page stays a Spanish document."""
    english = (
        "When you package a shared library, you should create a symbols file to manage the "
        "minimal version of every symbol, so that packages built against the library get "
        "the right dependencies after an upgrade of the library."
    )
    spanish = (
        "Antes de subir el paquete, ejecuta lintian sobre el archivo de cambios para encontrar "
        "los errores más comunes del empaquetado y corrígelos uno por uno."
    )
    index_pages(
        tmp_path,
        {
            "advanced.es.html": "<html><body><h1>Temas avanzados</h1><h2>Bibliotecas</h2>"
            f"<p>{english}</p><h2>Comprobaciones</h2><p>{spanish}</p></body></html>"
        },
    )
    searcher = Searcher(tmp_path / "index.db")
    assert [d.lang for d in searcher.documents] == ["es"]
    english_hit = searcher.ask("How do I manage the symbols of a shared library?", lang="en").hits[
        0
    ]
    assert english_hit.passage.lang == "en" and not english_hit.cross_lingual
    spanish_hit = searcher.ask("¿Cómo encuentro los errores del empaquetado?", lang="es").hits[0]
    assert spanish_hit.passage.lang == "es" and "lintian" in spanish_hit.passage.text


def test_a_quote_from_a_code_block_is_whole_lines(tmp_path: Path) -> None:
    """A comment in a code block may hold sentences; the quote still begins and
    ends where the block's lines do (it began mid-line, at "This example")."""
    code = (
        "# If not, you can put an entire recipe into the file in one\n"
        "# (logical) line. This example creates a small /boot partition, suitable\n"
        "# swap, and uses the rest of the space for the root partition:\n"
        "#d-i partman-auto/expert_recipe string boot-root ::"
    )
    index_pages(
        tmp_path,
        {
            "preseed.html": "<html><body><h1>Preseeding</h1><h2>Partitioning example</h2>"
            f"<pre>{code}</pre></body></html>"
        },
    )
    hit = Searcher(tmp_path / "index.db").ask("recipe for a small /boot partition").hits[0]
    lines = [line.strip() for line in hit.quote.text.split("\n")]
    assert "This example creates a small /boot partition, suitable" in hit.quote.text
    assert all(line in code.split("\n") for line in lines), lines


def test_bm25_alone_does_not_answer_a_question_about_something_never_mentioned(
    tmp_path: Path,
) -> None:
    """One rare word shared with a passage ("capital" in a style guide) is no
    answer to a question about a name the corpus never mentions (Australia),
    without the semantic layer as with it; the word alone still answers a
    question about the corpus's own subject."""
    topics = [f"module{n}" for n in range(80)]
    sections = "".join(
        f"<h2>The {t} module</h2><p>The {t} module reads files and writes reports for the "
        f"build; configure {t} in the project settings before running it.</p>"
        for t in topics
    )
    index_pages(
        tmp_path,
        {
            "modules.html": f"<html><body><h1>Modules</h1>{sections}<h2>Docstrings</h2><p>The "
            "first line of a docstring should begin with a capital letter and end with a "
            "period.</p></body></html>"
        },
    )
    searcher = Searcher(tmp_path / "index.db")
    assert not searcher.ask("What is the capital of Australia?").hits
    assert "capital letter" in searcher.ask("capital letter").hits[0].passage.text


@pytest.mark.parametrize(
    "page",
    [
        # Read the Docs: the content sits in elements whose classes say "nav"
        '<body class="wy-body-for-nav"><section class="wy-nav-content-wrap">'
        '<div class="wy-nav-content"><div role="main" class="document">{content}</div></div>'
        "</section></body>",
        # a skip link and a share button around an article
        '<body><a class="skip-link" href="#main">Skip to content</a>'
        '<span class="share">Share this page</span><article>{content}</article></body>',
        # a section whose slug names a widget ("comments") is content
        '<body><div class="body"><section id="comments">{content}</section></div></body>',
    ],
)
def test_content_inside_chrome_like_names_is_read(tmp_path: Path, page: str) -> None:
    content = (
        "<h1>Guide</h1><h2>Comments</h2><p>A comment in Python starts with the hash character "
        "and extends to the end of the physical line.</p>"
    )
    path = tmp_path / "page.html"
    path.write_text(f"<html>{page.format(content=content)}</html>", encoding="utf-8")
    doc = load_document(path, path.name)
    assert doc.title == "Guide"
    assert [s.heading for s in doc.sections] == ["Comments"]
    body = "\n".join(doc.sections[0].paragraphs)
    assert body.startswith("A comment in Python starts with the hash character")
    assert "Skip to content" not in body and "Share this page" not in body


def test_two_passages_that_answer_with_the_same_sentences_are_quoted_once(
    tmp_path: Path,
) -> None:
    """A translation that left a paragraph in the original's language holds
    the original's sentences in a passage of its own: one answer, one quote."""
    said = (
        "Pick the mirror closest to you on the network, not on the map. The netselect-apt "
        "tool measures the delay to each mirror and writes a sources file for the fastest "
        "one. It needs root privileges to write the file."
    )
    spanish = (
        "Elija la réplica más cercana a usted en la red y no en el mapa; la lista completa "
        "está en el sitio web del proyecto, y cada réplica indica con qué frecuencia se "
        "actualiza. Las réplicas oficiales se actualizan cuatro veces al día, y las demás "
        "pueden tardar más en recibir los paquetes nuevos. Si una réplica falla, el programa "
        "de instalación le ofrece otra de la misma región.\n\nAntes de cambiar de réplica "
        "conviene comprobar que la nueva tiene la misma versión de la distribución y todas "
        "las arquitecturas que usa; de lo contrario la actualización se detendrá con un "
        "error sobre paquetes que no se encuentran, y tendrá que volver a la anterior. Las "
        "réplicas pequeñas a menudo solo guardan una parte del archivo."
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mirror.en.md").write_text(
        f"# Mirrors\n\n## Which mirror should I use?\n\n{said}\n\n"
        "Mirrors are listed on the project's web site, with the architectures each of "
        "them carries and how often it is updated.\n",
        encoding="utf-8",
    )
    (corpus / "espejos.es.md").write_text(
        f"# Réplicas\n\n## ¿Qué réplica debo usar?\n\n{spanish}\n\n{said}\n", encoding="utf-8"
    )
    db = tmp_path / "index.db"
    build_index(corpus, db)
    searcher = Searcher(db)
    question = "Which tool measures the delay to each mirror?"
    assert len(searcher.rank(question)[1]) == 2  # both passages answer
    answer = searcher.ask(question, top=5)
    quotes = [" ".join(h.quote.text.split()) for h in answer.hits]
    assert len(quotes) == 1 and "netselect-apt" in quotes[0]
    assert answer.total == 1
    assert searcher.ask(question, top=1).total == 1  # no "1 more" that shows nothing new
    assert searcher.ask(question, top=1, offset=1).hits == ()
