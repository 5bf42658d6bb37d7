"""Italian: function words, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    a ad agli ai al alla alle allo anche avere aveva avevano c che chi ci cioè come con
    contro cosa così cui da dagli dai dal dall dalla dalle dallo degli dei del dell della
    delle dello dentro di dove e è ed era erano essere essi esso fa fra gli ha hai hanno
    ho i il in io l la le lei li lo loro lui ma me mi mia mie miei mio ne negli nei nel nell
    nella nelle nello no noi non nostra nostre nostri nostro o ogni per perché però più può
    possono qua quale quali qualche quando quanto quel quella quelle quelli quello questa
    queste questi questo qui se sei senza si sia siamo siete sono sopra sotto su sua sue
    sugli sui sul sull sulla sulle sullo suo suoi tra te ti tra tu tua tue tuo tuoi tutti
    tutto un una uno vi voi vostra vostro via d quest quell
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "e per quanto riguarda",
        "per quanto riguarda",
        "e che mi dici di",
        "che mi dici di",
        "e invece",
        "e per",
        "dimmi di più su",
        "dimmi di più",
        "di più su",
        "e",
        "anche",
        "allora",
        "quindi",
        "ma",
        "o",
        "poi",
        "più",
    ),
    deictics=words(
        """
        ciò questo questa questi queste quello quella quelli quelle lo la li le gli ne ci lì
        là esso essa essi esse lui lei loro
        """
    ),
    links=words(
        """
        per di del della dei delle su sul sulla in nel nella con a al alla da dal il lo la
        i gli le un una uno tra fra
        """
    ),
    fillers=words(
        """
        dimmi dica raccontami più ancora grazie favore dettagli altro
        """
    ),
)

FRAME_WORDS = words(
    """
    menziona menzionano menzionato menzionati dice dicono detto descrive descrivono spiega
    spiegano articolo testo autore secondo elenca nomina cita
    """
)

NUMBER_QUESTION = (
    r"\bquant[ioe]\b|\bquanta\b"
    r"|\bqual è il prezzo\b|\bche prezzo\b|\bquanto (?:costa|costano|vale|guadagna)\b"
    r"|\b(?:popolazione|abitanti|stipendio|salario)\b"
)

NUMBER_WORDS = words(
    """
    due tre quattro cinque sei sette otto nove dieci undici dodici tredici quattordici
    quindici sedici diciassette diciotto diciannove venti trenta quaranta cinquanta
    sessanta settanta ottanta novanta cento mille mila milione milioni miliardo miliardi
    dozzina dozzine metà
    """
)

PERCENT_WORDS = words("percento percentuale")

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"lascia un commento",
        r"commenti?",
        r"\d+ commenti?",
        r"pubblicità",
        r"condividi(?: questo)?",
        r"mi piace",
        r"articoli correlati",
        r"post correlati",
        r"fonte",
        r"torna alla home ?page.*",
    ),
    widget_lines=(
        r"pubblicità",
        r"(?:tag|categorie|etichette)\s*:.*",
        r"\d+\s*(?:commenti|condivisioni|mi piace)",
        r"condividi(?:\s*[/|]\s*\w+)*",
        r"stai commentando usando .*",
        r"connessione a %s",
    ),
    months={
        "gennaio": 1,
        "febbraio": 2,
        "marzo": 3,
        "aprile": 4,
        "maggio": 5,
        "giugno": 6,
        "luglio": 7,
        "agosto": 8,
        "settembre": 9,
        "ottobre": 10,
        "novembre": 11,
        "dicembre": 12,
    },
    weekdays=("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    published=("pubblicato",),
    on=("il",),
    by=(),
    author=("autore",),
)

REFERENCE = (
    "Il treno per l'aeroporto parte ogni venti minuti dal binario quattro.",
    "Preriscalda il forno a 180 gradi e cuoci il pane per quaranta minuti.",
    "La partita di calcio è finita in pareggio dopo i tempi supplementari.",
    "Il nostro ufficio resterà chiuso nei giorni festivi.",
    "Riavvia il computer e installa gli ultimi aggiornamenti.",
    "Il museo apre alle dieci del mattino e chiude alle sei.",
    "Domani sarà nuvoloso con pioggia leggera nel pomeriggio.",
    "L'appartamento ha due camere da letto, un balcone e una piccola cucina.",
    "Bevi molta acqua e dormi a sufficienza prima dell'esame.",
    "L'azienda ha registrato utili più alti nel terzo trimestre.",
    "Conserva il biglietto fino alla fine del viaggio.",
    "L'ospedale si trova accanto al parco centrale.",
    "Mescola la farina, lo zucchero e le uova finché l'impasto è liscio.",
    "Il nuovo telefono ha uno schermo più grande e una fotocamera migliore.",
    "Da tre anni impara a suonare il pianoforte.",
    "Il consiglio comunale ha approvato il bilancio per le nuove piste ciclabili.",
    "Ricordati di annaffiare le piante due volte a settimana in estate.",
    "L'hotel offre colazione e parcheggio gratuiti agli ospiti.",
    "I vaccini sono disponibili in farmacia senza appuntamento.",
    "La popolazione del paese è cresciuta del due per cento.",
)

LANGUAGE = Language(
    code="it",
    name="Italian",
    stemmer="italian",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
)
