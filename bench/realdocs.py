"""Answer quality on real documentation: Debian's own manuals, as the packages ship them.

    .venv/bin/python bench/realdocs.py --fetch          # download and assemble (about 14 MB)
    .venv/bin/python bench/realdocs.py                  # build, ask, print the table
    .venv/bin/python bench/realdocs.py --corpus faq --lexical-only
    .venv/bin/python bench/realdocs.py --set bench/realdocs/questions-fil-tune.jsonl \
        --corpus ref-fr --corpus ref-it --corpus ref-pt --corpus ref-en

Data: Debian documentation packages, fetched with ``apt-get download`` (so from
the machine's configured Debian mirror, the versions ``apt-cache policy`` shows)
and unpacked with ``dpkg-deb -x`` into ``bench/.cache/realdocs/`` (outside git,
with the corpus folders and the index files):

- ``faq``: the Debian FAQ in English and German (``debian-faq``,
  ``debian-faq-de``; ``usr/share/doc/debian/FAQ/``), about 400 passages;
- ``maint``: the New Maintainers' Guide in English, German and Spanish
  (``maint-guide``, ``-de``, ``-es``; ``usr/share/doc/maint-guide*/html/``);
- ``mixed``: the same guide where chapter file i (sorted by name) exists only
  in language (en, de, es)[i mod 3], so most questions are answered only in
  another language;
- ``reference``: the Debian Reference in English, German and Spanish
  (``debian-reference-en``, ``-de``, ``-es``, ``-common``;
  ``usr/share/debian-reference/``), about 2,700 passages;
- ``ref-fr``, ``ref-it``, ``ref-pt``, ``ref-en``: four chapters of the Debian
  Reference (ch03 system initialization, ch04 authentication and access
  controls, ch05 network setup, ch08 I18N and L10N), each folder holding one
  language's files only (``debian-reference-fr``, ``-it``, ``-pt``, ``-en``; files
  ``ch03.<lang>.html`` etc.), for French, Italian and Portuguese.  They are
  asked only when named with ``--corpus`` (the default run stays faq, maint,
  mixed and reference), with ``bench/realdocs/questions-fil-tune.jsonl``,
  lexical and hybrid (each is small).  The French and Portuguese translations
  leave many paragraphs in English (most of French ch03 and ch08, much of
  Portuguese ch08), so these folders are not monolingual in content.

- ``install``, ``python``, ``devref-fr``: documentation nobody here had read
  before these questions were written, as a newcomer brings it: the
  installation guide for amd64 in English (``installation-guide-amd64``,
  DocBook, ``usr/share/doc/installation-guide-amd64/en/``), Python 3.11's
  documentation (``python3.11-doc``, Sphinx: the first 40 pages of
  ``library/`` by name, ``tutorial/`` and ``faq/``) and Debian's Developer's
  Reference in French (``developers-reference-fr``, Sphinx, with its
  single-page edition beside its chapters).  Asked with ``--set
  bench/realdocs/questions-newdocs.jsonl --corpus install --corpus python
  --corpus devref-fr`` (15 own questions and 5 off-topic each).
- ``install-fr``, ``install-it``, ``install-pt``: the same installation guide
  as its French, Italian and Portuguese translations ship it (the same
  package, ``fr/``, ``it/``, ``pt/``), for issue 19's languages on documents
  the fr/it/pt work was not tuned on.  Asked with ``--set
  bench/realdocs/questions-install-fil.jsonl --corpus install-fr --corpus
  install-it --corpus install-pt`` (questions written from the pages alone).

The HTML files are copied as shipped, symbolic links included (the FAQ's
``*.html`` link to its ``*.en.html`` pages). Questions: ``bench/realdocs/
questions-tune.jsonl`` (written from the documents alone, before any tuning on
them), one object a line: ``id``, ``corpus``, ``lang``, ``kind`` (own, user,
cross, mixed, offtopic), ``q``, ``gold`` (phrases copied from the answering
prose; empty for off-topic). Hits are counted as bench/quality.py counts them.

``bench/realdocs/questions-fil-tune.jsonl`` holds the French, Italian and
Portuguese questions, written from the four chapters alone before any
fr/it/pt support or tuning: per language 20 ``own`` (answered in that
language's folder), the same 20 as ``cross`` (asked of ``ref-en``, gold from
the English chapter) and 3 ``offtopic``.

``bench/realdocs/questions-holdout.jsonl`` holds 113 more of the same kinds,
written beside them by someone who saw neither the engine nor the tune set,
and is asked once, at the end of a round of work (``--set
bench/realdocs/questions-holdout.jsonl --reuse``).

Each corpus is indexed from scratch (``--reuse``: the last run's indexes,
refreshed) and asked twice: lexical (BM25 alone, no
encoder) and hybrid (the default encoder). ``reference`` is lexical-only
unless ``--semantic-all``: its vectors take about 20 minutes on 2 cores. The
default run (faq, maint and mixed hybrid, reference lexical) takes about
10 to 30 minutes on 2 shared cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import fold, hit_rank, load_set

from docbot.index import DEFAULT_ENCODER, Searcher, build_index, load_encoder

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "realdocs"
QUESTIONS = ROOT / "bench" / "realdocs" / "questions-tune.jsonl"
LANGS = ("en", "de", "es")
PACKAGES = (
    "debian-faq",
    "debian-faq-de",
    "maint-guide",
    "maint-guide-de",
    "maint-guide-es",
    "debian-reference-en",
    "debian-reference-de",
    "debian-reference-es",
    "debian-reference-fr",
    "debian-reference-it",
    "debian-reference-pt",
    "debian-reference-common",
    "installation-guide-amd64",
    "python3.11-doc",
    "developers-reference-fr",
)
DEFAULT_CORPORA = ("faq", "maint", "mixed", "reference")
# one language each, four chapters of the Debian Reference; asked only with --corpus
REF_LANGS = ("fr", "it", "pt", "en")
REF_CHAPTERS = ("ch03", "ch04", "ch05", "ch08")
NEW_CORPORA = ("install", "python", "devref-fr")  # asked only with --corpus
INSTALL_LANGS = ("fr", "it", "pt")  # the installation guide's translations, as shipped
PYTHON_LIBRARY_PAGES = 40
CORPORA = (
    DEFAULT_CORPORA
    + tuple(f"ref-{lang}" for lang in REF_LANGS)
    + NEW_CORPORA
    + tuple(f"install-{lang}" for lang in INSTALL_LANGS)
)
KINDS = ("own", "user", "cross", "mixed", "off-topic")


# --- fetching and assembling ------------------------------------------------------


def fetch_packages(debs: Path, unpacked: Path) -> None:
    """apt-get download each package (once) and unpack them all into ``unpacked``."""
    debs.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        if not list(debs.glob(f"{package}_*.deb")):
            subprocess.run(["apt-get", "download", package], cwd=debs, check=True)
    shutil.rmtree(unpacked, ignore_errors=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
        print(f"unpacked {deb.name}")


def copy_html(source: Path, target: Path, names: list[str] | None = None) -> None:
    """Copy the ``*.html`` files of ``source`` (or those named), links kept as links."""
    target.mkdir(parents=True, exist_ok=True)
    paths = sorted(source.glob("*.html")) if names is None else [source / n for n in names]
    for path in paths:
        if path.is_symlink():
            os.symlink(os.readlink(path), target / path.name)
        else:
            shutil.copy2(path, target / path.name)


def guide_html(unpacked: Path, lang: str) -> Path:
    suffix = "" if lang == "en" else f"-{lang}"
    return unpacked / "usr/share/doc" / f"maint-guide{suffix}" / "html"


def assemble(unpacked: Path, corpora: Path) -> None:
    """The corpus folders, rebuilt from the unpacked packages."""
    shutil.rmtree(corpora, ignore_errors=True)
    faq = unpacked / "usr/share/doc/debian/FAQ"
    copy_html(faq, corpora / "faq")
    copy_html(faq / "de", corpora / "faq" / "de")
    for lang in LANGS:
        copy_html(guide_html(unpacked, lang), corpora / "maint" / lang)
    chapters = sorted(p.name.split(".")[0] for p in guide_html(unpacked, "en").glob("*.html"))
    for i, chapter in enumerate(chapters):
        lang = LANGS[i % 3]
        copy_html(guide_html(unpacked, lang), corpora / "mixed", [f"{chapter}.{lang}.html"])
    reference = unpacked / "usr/share/debian-reference"
    for lang in LANGS:
        names = sorted(p.name for p in reference.glob(f"*.{lang}.html"))
        copy_html(reference, corpora / "reference", names)
    for lang in REF_LANGS:
        names = [f"{chapter}.{lang}.html" for chapter in REF_CHAPTERS]
        copy_html(reference, corpora / f"ref-{lang}", names)
    install = unpacked / "usr/share/doc/installation-guide-amd64"
    copy_html(install / "en", corpora / "install")
    for lang in INSTALL_LANGS:
        copy_html(install / lang, corpora / f"install-{lang}")
    python = unpacked / "usr/share/doc/python3.11/html"
    library = sorted(p.name for p in (python / "library").glob("*.html"))
    copy_html(python / "library", corpora / "python" / "library", library[:PYTHON_LIBRARY_PAGES])
    for part in ("tutorial", "faq"):
        copy_html(python / part, corpora / "python" / part)
    copy_html(unpacked / "usr/share/developers-reference/fr", corpora / "devref-fr")
    for name in CORPORA:
        print(f"{name}: {len(list((corpora / name).rglob('*.html')))} HTML files")


# --- building and asking ----------------------------------------------------------


def build(corpus: Path, db: Path, semantic: str | None, reuse: bool = False) -> tuple[float, int]:
    """Index ``corpus`` from scratch (``reuse``: refresh the index the last
    run left, for asking a second question set); seconds taken and passages."""
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    report = build_index(corpus, db, rebuild=not reuse, semantic=semantic)
    seconds = time.perf_counter() - started
    for path, reason in report.skipped:
        print(f"  skipped {path}: {reason}")
    return seconds, sum(report.passages_per_lang.values())


def unfound_gold(searcher: Searcher, questions: list[dict[str, object]]) -> list[str]:
    """Gold phrases no passage of the index contains: text lost or garbled in reading."""
    texts = [fold(p.text) for p in searcher.passages.values()]
    phrases = {str(g) for q in questions for g in q["gold"]}  # type: ignore[attr-defined]
    return sorted(g for g in phrases if not any(fold(g) in t for t in texts))


def score(searcher: Searcher, group: list[dict[str, object]], kind: str) -> list[str]:
    """Two cells: hit@1 and hit@3, or how many off-topic questions were answered."""
    if kind == "off-topic":
        answered = sum(bool(searcher.ask(str(q["q"])).hits) for q in group)
        return [f"{answered}/{len(group)} answered", ""]
    ranks = [hit_rank(searcher.ask(str(q["q"])), list(q["gold"])) for q in group]  # type: ignore[call-overload]
    hit1 = sum(r == 1 for r in ranks) / len(group)
    hit3 = sum(r is not None and r <= 3 for r in ranks) / len(group)
    return [f"{hit1:.2f}", f"{hit3:.2f}"]


def evaluate(
    name: str, searchers: dict[str, Searcher | None], questions: list[dict[str, object]]
) -> list[str]:
    """Table rows for one corpus: one per question kind, then all answerable."""
    by_kind: dict[str, list[dict[str, object]]] = defaultdict(list)
    for q in questions:
        by_kind[str(q["kind"])].append(q)
    answerable = [q for q in questions if q["gold"]]
    order = sorted(by_kind, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
    groups = [(kind, by_kind[kind]) for kind in order]
    if len(groups) > 1 and answerable:
        groups.append(("all answerable", answerable))
    rows = []
    for kind, group in groups:
        cells = []
        for searcher in searchers.values():
            cells += score(searcher, group, kind) if searcher else ["-", "-"]
        rows.append(f"| {name} | {kind} | {len(group)} | " + " | ".join(cells) + " |")
    return rows


def run_corpus(
    name: str, questions: list[dict[str, object]], semantic: str | None, reuse: bool = False
) -> tuple[list[str], str]:
    """Build and ask one corpus: its table rows and a line on the build."""
    db = CACHE / "index" / f"{name}.db"
    seconds, passages = build(CACHE / "corpora" / name, db, semantic, reuse)
    searchers: dict[str, Searcher | None] = {"lexical": Searcher(db), "hybrid": None}
    if semantic:
        searchers["hybrid"] = Searcher(db, load_encoder(semantic))
    lexical = searchers["lexical"]
    assert lexical is not None
    unfound = unfound_gold(lexical, questions)
    note = (
        f"- {name}: {passages} passages, built in {seconds:.0f} s "
        f"({'with vectors, ' + semantic if semantic else 'lexical only'}); "
        f"{len(questions)} questions; gold phrases in no passage: {len(unfound)}"
    )
    note += "".join(f"\n  - “{g}”" for g in unfound)
    return evaluate(name, searchers, questions), note


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--fetch", action="store_true", help="download and assemble, then stop")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="repeatable")
    parser.add_argument("--set", type=Path, default=QUESTIONS, help="question file")
    parser.add_argument("--lexical-only", action="store_true", help="no encoder at all")
    parser.add_argument(
        "--semantic-all", action="store_true", help="vectors for reference too (~20 min)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="refresh the last run's indexes, do not rebuild"
    )
    args = parser.parse_args(argv)
    if args.fetch:
        fetch_packages(CACHE / "debs", CACHE / "unpacked")
        assemble(CACHE / "unpacked", CACHE / "corpora")
        return 0
    if not (CACHE / "corpora").exists():
        print(f"no corpora in {CACHE}: run with --fetch first")
        return 1
    questions = load_set(args.set)
    names = args.corpus or list(DEFAULT_CORPORA)
    print(f"Load average (1/5/15 min) at start: {load_average()}; {os.cpu_count()} CPUs")
    print("Packages:", ", ".join(p.stem for p in sorted((CACHE / "debs").glob("*.deb"))), "\n")
    rows: list[str] = []
    notes: list[str] = []
    for name in names:
        semantic = None if args.lexical_only else DEFAULT_ENCODER
        if name == "reference" and not args.semantic_all:
            semantic = None
        these = [q for q in questions if q["corpus"] == name]
        if not these:
            continue
        table, note = run_corpus(name, these, semantic, args.reuse)
        rows += table
        notes.append(note)
        print(note, flush=True)
    print("\n| corpus | kind | n | lexical hit@1 | lexical hit@3 | hybrid hit@1 | hybrid hit@3 |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nLoad average (1/5/15 min) at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
