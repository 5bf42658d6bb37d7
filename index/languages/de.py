"""German: function words, compounds, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anderm andern anders ans auch auf aufs aus bei beim bin bis bist da damit dann
    das dass dasselbe dazu daß dein deine deinem deinen deiner deines dem demselben den denn
    denselben der derer derselbe derselben des desselben dessen dich die dies diese dieselbe
    dieselben diesem diesen dieser dieses dir doch dort du durch durchs ein eine einem einen
    einer eines einig einige einigem einigen einiger einiges einmal er es etwas euch euer
    eure eurem euren eurer eures für fürs gegen geht gewesen gibt hab habe haben hat hatte
    hatten hier hin hinter hinterm ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
    indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein
    keine keinem keinen keiner keines können könnte man manche manchem manchen mancher
    manches mein meine meinem meinen meiner meines mich mir mit muss musste nach nicht
    nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich
    sie sind so solche solchem solchen solcher solches soll sollte sondern sonst um ums und
    uns unser unsere unserem unseren unseres unter unterm viel vom von vor vorm wann war
    waren warst warum was weg weil weiter welche welchem welchen welcher welches wem wen
    wenn wer werde werden weshalb wessen wie wieder wieso will wir wird wirst wo wodurch
    woher wohin wollen wollte womit worüber während würde würden zu zum zur zwar zwischen
    über übers
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "und was ist mit",
        "was ist mit",
        "wie ist es mit",
        "wie sieht es mit",
        "wie steht es mit",
        "und wie sieht es mit",
        "mehr über",
        "mehr dazu",
        "mehr darüber",
        "erzähl mehr über",
        "erzähl mehr",
        "und",
        "auch",
        "aber",
        "also",
        "dann",
        "oder",
        "sonst",
        "mehr",
    ),
    deictics=words(
        """
        da dabei dafür damit dann daran darauf darüber das davon dazu deren dessen dies diese
        diesem diesen dieser dieses dort er es ihm ihn
        """
    ),
    links=words(
        """
        am an auf aus bei beim dem den der des die ein eine einem einen einer eines für im in
        ins mit unter vom von zu zum zur zwischen über
        """
    ),
    fillers=words(
        """
        bitte danke details erzähl erzähle genauer mehr noch
        """
    ),
)

FRAME_WORDS = words(
    """
    artikel aufgeführt aufgelistet autor beschreibt beschrieben erklären erklärt erwähnen
    erwähnt erwähnte gemäß genannt gesagt nennen nennt sagen sagt steht text zufolge
    """
)

NUMBER_QUESTION = (
    r"\bwie viele\b|\bwie viel (?:kostet|kosten|geld|verdient|verdienen|zahlt|zahlen)\b"
    r"|\bwas (?:kostet|kosten)\b|\bwie teuer\b|\bwelchen preis\b"
    r"|\b(?:einwohner|einwohnerzahl|gehalt|gehälter)\b"
)

NUMBER_WORDS = words(
    """
    acht achtzehn achtzig drei dreizehn dreißig dutzend elf fünf fünfzehn fünfzig hundert
    hunderte hälfte milliarde milliarden million millionen neun neunzehn neunzig prozent
    sechs sechzehn sechzig sieben siebzehn siebzig tausend tausende vier vierzehn vierzig
    zehn zwanzig zwei zwölf
    """
)

PERCENT_WORDS = words(
    """
    prozent prozentsatz
    """
)

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"kommentar(?:e)?(?: verfassen| schreiben)?",
        r"schreibe einen kommentar",
        r"antworten",
        r"anzeigen?",
        r"werbung",
        r"teilen mit",
        r"gefällt mir",
        r"ähnliche beiträge",
        r"quelle",
        r"zurück zur startseite.*",
    ),
    widget_lines=(
        r"anzeigen?",
        r"werbung",
        r"(?:schlagwörter|kategorien)\s*:.*",
        r"\d+\s*(?:kommentare|teilen)",
        r"teilen(?:\s*[/|]\s*\w+)*",
        r"du kommentierst mit .*",
        r"trage deine daten unten ein.*",
        r"verbinde mit %s",
        r"%d bloggern gefällt das.*",
    ),
    months={
        "januar": 1,
        "jänner": 1,
        "februar": 2,
        "märz": 3,
        "april": 4,
        "mai": 5,
        "juni": 6,
        "juli": 7,
        "august": 8,
        "september": 9,
        "oktober": 10,
        "november": 11,
        "dezember": 12,
    },
    weekdays=(
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
    ),
    published=("veröffentlicht",),
    on=("am",),
    by=("von",),
    author=("von", "autor"),
)

REFERENCE = (
    "Der Zug zum Flughafen fährt alle zwanzig Minuten von Gleis vier ab.",
    "Den Ofen auf 180 Grad vorheizen und das Brot vierzig Minuten backen.",
    "Das Fußballspiel endete nach der Verlängerung unentschieden.",
    "Unser Büro bleibt an Feiertagen geschlossen.",
    "Starten Sie den Computer neu und installieren Sie die neuesten Updates.",
    "Das Museum öffnet um zehn Uhr morgens und schließt um sechs.",
    "Morgen wird es bewölkt mit leichtem Regen am Nachmittag.",
    "Die Wohnung hat zwei Schlafzimmer, einen Balkon und eine kleine Küche.",
    "Trinken Sie viel Wasser und schlafen Sie vor der Prüfung ausreichend.",
    "Das Unternehmen meldete im dritten Quartal höhere Gewinne.",
    "Bitte bewahren Sie Ihre Fahrkarte bis zum Ende der Fahrt auf.",
    "Das Krankenhaus liegt direkt neben dem Stadtpark.",
    "Mehl, Zucker und Eier verrühren, bis der Teig glatt ist.",
    "Das neue Telefon hat einen größeren Bildschirm und eine bessere Kamera.",
    "Er lernt seit drei Jahren Klavier spielen.",
    "Der Stadtrat hat das Budget für neue Radwege genehmigt.",
    "Im Sommer die Pflanzen zweimal pro Woche gießen.",
    "Das Hotel bietet kostenloses Frühstück und Parkplätze für Gäste.",
    "Impfungen gibt es in der Apotheke ohne Termin.",
    "Die Bevölkerung des Landes ist um zwei Prozent gewachsen.",
)

LANGUAGE = Language(
    code="de",
    name="German",
    stemmer="german",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
    compounds=True,
    capitalises_nouns=True,
)
