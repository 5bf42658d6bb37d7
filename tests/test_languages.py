"""Languages as data: each is one module of ``docbot.index.languages``, and a
module is all it takes.  French, Italian and Portuguese are the proof: their
documents are analysed as themselves and answered in their language."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
import Stemmer

from docbot.bot.app.texts import interface, ui_languages
from docbot.bot.cli.commands import Streams, main
from docbot.index import DEFAULT_ENCODER, Searcher, build_index, languages
from docbot.index.analysis.analyzer import tokenize
from docbot.index.analysis.answertype import expects_number, holds_number
from docbot.index.analysis.followup import follow_up
from docbot.index.ingest.cleaning import clean_lines, parse_date

from .conftest import CORPUS

CORPUS_LANGUAGES = ("en", "de", "es", "fr", "it", "pt")
FIL_SET = Path(__file__).resolve().parents[1] / "bench" / "realdocs" / "questions-fil-tune.jsonl"


@pytest.mark.parametrize("code", CORPUS_LANGUAGES)
def test_a_corpus_language_module_has_every_part(code: str) -> None:
    lang = languages.get(code)
    assert lang is not None and lang.code == code
    assert lang.stemmer in Stemmer.algorithms()
    assert len(lang.stopwords) >= 100
    cues = lang.followup
    assert cues.connectives and cues.deictics and cues.links and cues.fillers
    for i, phrase in enumerate(cues.connectives):  # a longer cue is never hidden by a shorter
        for shorter in cues.connectives[:i]:
            assert not phrase.startswith(shorter + " "), (shorter, phrase)
    assert lang.frame_words and lang.number_words and lang.percent_words
    re.compile(lang.number_question)
    chrome = lang.boilerplate
    assert sorted(set(chrome.months.values())) == list(range(1, 13))
    assert len(chrome.weekdays) == 7 and chrome.tail_openers and chrome.widget_lines
    assert len(lang.reference) == len(languages.get("en").reference) == 20  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("code", "question", "no_number"),
    [
        ("fr", "Combien d'utilisateurs a Facebook ?", "Pourquoi est-ce si difficile ?"),
        ("it", "Quanti utenti ha Facebook?", "Perché è così difficile?"),
        ("pt", "Quantos utilizadores tem o Facebook?", "Porque é tão difícil?"),
    ],
)
def test_counts_are_asked_for_in_every_language(code: str, question: str, no_number: str) -> None:
    assert expects_number(question) and not expects_number(no_number)
    words = sorted(languages.get(code).number_words)  # type: ignore[union-attr]
    assert holds_number(f"x {words[0]} y", code)


def test_number_words_are_the_passages_own() -> None:
    # Italian "sei" (six) is German "be": no number in a German passage.
    assert not holds_number("Es sei denn, man misst es.", "de")
    assert holds_number("Ci sono sei utenti.", "it")


@pytest.mark.parametrize(
    ("code", "text", "gone", "same"),
    [
        ("fr", "Les réseaux et le réseau", {"les", "et", "le"}, ("réseaux", "réseau")),
        (
            "it",
            "Le connessioni e la connessione",
            {"le", "e", "la"},
            ("connessioni", "connessione"),
        ),
        ("pt", "As impressoras e a impressora", {"as", "e", "a"}, ("impressoras", "impressora")),
    ],
)
def test_french_italian_portuguese_have_their_own_analysis(
    code: str, text: str, gone: set[str], same: tuple[str, str]
) -> None:
    terms = tokenize(text, code)
    assert not gone & set(terms)
    assert tokenize(same[0], code) == tokenize(same[1], code)
    assert tokenize(text, code) != tokenize(text, "xx")  # not the language-less analysis


@pytest.mark.parametrize(
    ("code", "previous", "follow", "expected"),
    [
        (
            "fr",
            "Comment mesurer le ROI des réseaux sociaux ?",
            "et pour le networking ?",
            "networking",
        ),
        ("it", "Come si misura il ROI dei social media?", "e per il networking?", "networking"),
        ("pt", "Como medir o ROI das redes sociais?", "e para o networking?", "networking"),
    ],
)
def test_follow_ups_in_the_new_languages(
    code: str, previous: str, follow: str, expected: str
) -> None:
    result = follow_up(follow, previous)
    assert result.leans_on == previous
    assert expected in result.question and result.question != follow


def test_bylines_and_chrome_in_the_new_languages() -> None:
    assert parse_date("Publié le 3 mars 2021 par Camille") == "2021-03-03"
    assert parse_date("Pubblicato il 5 maggio 2020") == "2020-05-05"
    assert parse_date("Publicado em 7 de março de 2019") == "2019-03-07"
    lines = clean_lines("Le texte de l'article.\nLaisser un commentaire\nAnnuler la réponse")
    assert lines == ["Le texte de l'article."]


def test_one_module_adds_a_language(tmp_path: Path) -> None:
    """Swedish has no module: dropped into the folder (here: put on the
    package's path), its words are function words, its stemmer stems and its
    votes decide a question's language -- nothing else changes."""
    (tmp_path / "sv.py").write_text(
        "from docbot.index.languages._language import Language, words\n"
        "LANGUAGE = Language(code='sv', name='Swedish', stemmer='swedish',\n"
        "    stopwords=words('och i att det som en på är av för med till den har de inte'))\n",
        encoding="utf-8",
    )
    script = (
        "import sys\n"
        "from docbot.index import languages\n"
        f"languages.__path__.append({str(tmp_path)!r})\n"
        # the engine read the folder when it was imported; a module put on the
        # path afterwards is read once the registry is read again
        "languages._registry.cache_clear()\n"
        "from docbot.index.analysis.analyzer import tokenize\n"
        "from docbot.index.languages.detect import function_word_votes\n"
        "print(languages.codes())\n"
        "print(tokenize('husen och huset', 'sv'))\n"
        "print(function_word_votes('det är inte huset', ['en', 'sv']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    codes, terms, votes = result.stdout.splitlines()
    assert "'sv'" in codes
    assert terms == "['hus', 'hus']"
    assert votes == "{'en': 0, 'sv': 3}"


SHORT_DOCS = {
    "sauvegarde.md": "# Sauvegarde\n\nLa sauvegarde des données protège contre la perte de "
    "fichiers. Pour sauvegarder le répertoire personnel, branchez un disque externe chaque "
    "semaine. Les sauvegardes automatiques sont planifiées avec cron.\n",
    "firewall.md": "# Il firewall\n\nIl firewall filtra le connessioni di rete in entrata. Per "
    "configurare il firewall si usa il comando ufw, che salva le regole in un file di "
    "configurazione. Le connessioni rifiutate vengono registrate nel giornale.\n",
    "impressoras.md": "# Impressoras\n\nO servidor de impressão gerencia as impressoras da "
    "rede. Para instalar uma impressora nova, abra a página de administração do CUPS no "
    "navegador. As filas de impressão mostram os trabalhos pendentes.\n",
    "oven.md": "# Baking\n\nBread is baked in a hot oven for about forty minutes. Let the "
    "dough rise twice before baking, and cool the loaf on a rack.\n",
}


@pytest.fixture(scope="module")
def four_languages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    for name, text in SHORT_DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    db = corpus.parent / "four.db"
    build_index(corpus, db, semantic=None)
    return corpus, db


@pytest.mark.parametrize(
    ("question", "lang", "doc"),
    [
        ("Comment sauvegarder mes fichiers ?", "fr", "sauvegarde.md"),
        ("Come si configura il firewall?", "it", "firewall.md"),
        ("Como instalo uma impressora?", "pt", "impressoras.md"),
    ],
)
def test_questions_in_the_new_languages_find_their_documents(
    four_languages: tuple[Path, Path], question: str, lang: str, doc: str
) -> None:
    _, db = four_languages
    searcher = Searcher(db)
    assert set(searcher.languages) == {"en", "fr", "it", "pt"}
    answer = searcher.ask(question)
    assert answer.lang == lang
    assert answer.hits and answer.hits[0].passage.doc == doc
    assert answer.hits[0].passage.lang == lang


def run_cli(*args: str) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={"DOCBOT_SEMANTIC": "0"}, streams=Streams(io.BytesIO(), out, err))
    return code, out.getvalue(), err.getvalue()


def test_lang_fr_is_accepted_and_sources_name_the_languages(
    four_languages: tuple[Path, Path],
) -> None:
    corpus, db = four_languages
    where = ["--corpus", str(corpus), "--db", str(db)]
    for tag, question in (
        ("fr", "sauvegarde des fichiers"),
        ("it-IT", "regole del firewall"),
        ("Portuguese", "filas de impressão"),
    ):
        code, out, err = run_cli("ask", *where, "--lang", tag, "--json", question)
        assert code == 0, err
        assert out.strip(), err
    code, out, _ = run_cli("sources", *where)
    assert code == 0
    for name in ("French", "Italian", "Portuguese", "English"):
        assert name in out, out


@pytest.mark.parametrize("ui", ["fr", "it", "pt"])
def test_interface_texts_match_englishs(ui: str) -> None:
    assert ui in ui_languages()
    english, texts = interface("en"), interface(ui)
    assert list(texts.texts) == list(english.texts)

    def fields(text: str) -> list[tuple[str, str]]:
        return sorted(
            (f[1], f[2] or "") for f in string.Formatter().parse(text) if f[1] is not None
        )

    for key, text in english.texts.items():
        assert fields(texts.texts[key]) == fields(text), key
    same = [key for key, text in english.texts.items() if texts.texts[key] == text]
    assert len(same) <= len(english.texts) // 10, same  # translated, not copied
    assert [name for name, _ in texts.commands] == [name for name, _ in english.commands]


def test_questions_in_languages_the_corpus_lacks_find_the_same_passages(hybrid: Searcher) -> None:
    """The seed corpus is English, German and Spanish; a French, Italian or
    Portuguese question finds one of the passages its English twin finds."""
    english = {
        (h.passage.doc, h.passage.ordinal)
        for h in hybrid.ask("How do I measure ROI for networking?").hits
    }
    for question in (
        "Comment mesurer le retour sur investissement du networking ?",
        "Come si misura il ritorno sull'investimento del networking?",
        "Como medir o retorno do investimento em networking?",
    ):
        hits = hybrid.ask(question).hits
        assert hits and (hits[0].passage.doc, hits[0].passage.ordinal) in english, question


def test_questions_in_a_language_the_corpus_lacks_are_refused_when_off_topic(
    hybrid: Searcher,
) -> None:
    """The 60 French, Italian and Portuguese questions about the Debian
    Reference (bench/realdocs, written before any tuning) asked of the shipped
    articles about social media: off-topic there.  Placing their language by
    the reference sentences alone once answered 54 of them; most must be
    refused (13 are, on the measured run, answered: near the floor)."""
    rows = [json.loads(line) for line in FIL_SET.read_text(encoding="utf-8").splitlines()]
    questions = [row["q"] for row in rows if row["kind"] == "own"]
    answered = [q for q in questions if hybrid.ask(q).hits]
    assert len(questions) == 60
    assert len(answered) <= len(questions) // 4, answered


def test_lang_names_the_questions_language_even_one_the_corpus_lacks(seed_db: Path) -> None:
    """``--lang fr`` over the English, German and Spanish articles: the question
    is French, its answers come from the other languages, flagged as such."""
    where = ["--corpus", str(CORPUS), "--db", str(seed_db)]
    code, out, err = run_cli(
        "ask", *where, "--lang", "fr", "--json", "Comment mesurer le ROI du networking ?"
    )
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["lang"], answer["lang_reason"]) == ("fr", "explicit")
    assert answer["results"] and {r["lang"] for r in answer["results"]} <= {"en", "de", "es"}
    code, _, err = run_cli("ask", *where, "--lang", "ja", "Qu'est-ce que le networking ?")
    assert code == 2 and "Unknown or unsupported language 'ja'" in err


def test_a_question_in_a_language_the_corpus_lacks_is_named_as_that_language(
    seed_db: Path,
) -> None:
    """Without ``--lang``, a French question over the English, German and
    Spanish articles is French (not "undecided"), by BM25 alone too."""
    where = ["--corpus", str(CORPUS), "--db", str(seed_db)]
    question = "Comment mesurer le retour sur investissement du networking ?"
    code, out, err = run_cli("ask", *where, "--json", question)
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["lang"], answer["lang_reason"]) == ("fr", "detected")


def test_a_question_of_the_corpus_words_alone_is_read_in_the_corpus_language(
    tmp_path: Path,
) -> None:
    """The question "wifi password" has no function word; the detector calls it
    Italian. Over English notes that use both words it is an English question:
    the English answer is not flagged as another language's."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    (corpus / "office.md").write_text(
        "# Office notes\n\nGuest Wi-Fi password: banana42. The printer on the second "
        "floor takes badges; ask the front desk for one.\n",
        encoding="utf-8",
    )
    db = tmp_path / "index.db"
    build_index(corpus, db, semantic=DEFAULT_ENCODER)
    searcher = Searcher.open(db, DEFAULT_ENCODER)
    for question in (
        "wifi password",
        "password in office",  # "in" is an Italian function word, and an English one
        "wifi password a guest",
        "guest wifi password 2024",  # numbers and names say nothing of the language
        "wifi password Zoom",
    ):
        answer = searcher.ask(question)
        assert answer.lang == "en", question
        assert answer.hits and not answer.hits[0].cross_lingual, question
    # with a function word or a word the notes never use it is the other language's
    for question in ("mot de passe du wifi", "password wifi ospiti"):
        other = searcher.ask(question)
        assert other.lang != "en" and other.hits[0].cross_lingual, question
