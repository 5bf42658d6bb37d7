"""French: function words, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    à a ai aie aient aies ait as au aucun aucune aupres auquel aura aurai auraient aurais
    aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles
    auxquels avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
    c ça ce ceci cela celle celles celui cependant certain certaine certaines certains ces
    cet cette ceux chaque chez ci comme comment d dans de des donc dont du elle elles en
    encore entre es est et étaient étais était étant été êtes étiez étions être eu eue eues
    eûmes eurent eus eut eux fait faut font furent fus fut il ils j je jusqu jusque l la
    laquelle le lequel les lesquelles lesquels leur leurs lors lorsqu lorsque lui m ma mais me même
    mêmes mes moi mon n ne ni nos notre nous on ont ou où par parce pas peu peut peuvent
    peux plus pour pourquoi pourrait quand que quel quelle quelles quels qui quoi s sa sans
    se sera serai seraient serais serait seras serez seriez serions serons seront ses si
    soi soient sois soit sommes son sont sous suis sur t ta te tes toi ton tous tout toute
    toutes très tu un une unes uns vers via vos votre vous y qu puisqu quoiqu
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "et qu'en est-il de",
        "qu'en est-il de",
        "et pour ce qui est de",
        "et pour",
        "et si",
        "quoi d'autre sur",
        "dis-m'en plus sur",
        "dis-m'en plus",
        "plus sur",
        "et",
        "aussi",
        "alors",
        "donc",
        "mais",
        "ou",
        "puis",
        "plus",
    ),
    deictics=words(
        """
        ça cela ceci ce cet cette ces celui celle ceux celles il elle ils elles le la les
        lui leur y en là
        """
    ),
    links=words(
        """
        pour de du des sur dans en avec à au aux par le la les un une entre chez
        """
    ),
    fillers=words(
        """
        dis dites raconte racontez encore plus merci svp détails autre chose
        """
    ),
)

FRAME_WORDS = words(
    """
    mentionne mentionnent mentionné mentionnés dit disent décrit décrivent explique
    expliquent article texte auteur selon énumère cite citent nomme
    """
)

NUMBER_QUESTION = (
    r"\bcombien\b"
    r"|\bquel(?:le)? est le (?:prix|co[uû]t|montant)\b|\bquel prix\b"
    r"|\b(?:population|habitants|salaire|salaires)\b"
)

NUMBER_WORDS = words(
    """
    deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize
    vingt trente quarante cinquante soixante cent cents mille millier milliers million
    millions milliard milliards douzaine douzaines moitié
    """
)

PERCENT_WORDS = words("pourcent pourcentage")

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"laisser un commentaire",
        r"laissez un commentaire",
        r"commentaires?",
        r"\d+ commentaires?",
        r"publicité",
        r"partager(?: ceci)?",
        r"j'aime",
        r"articles similaires",
        r"articles liés",
        r"retour à l'accueil.*",
    ),
    widget_lines=(
        r"publicité",
        r"(?:étiquettes|catégories|mots-clés)\s*:.*",
        r"\d+\s*(?:commentaires|partages|j'aime)",
        r"partager(?:\s*[/|]\s*\w+)*",
        r"vous commentez à l'aide de .*",
        r"connexion à %s",
    ),
    months={
        "janvier": 1,
        "février": 2,
        "mars": 3,
        "avril": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "août": 8,
        "septembre": 9,
        "octobre": 10,
        "novembre": 11,
        "décembre": 12,
    },
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    published=("publié",),
    on=("le",),
    by=("par",),
    author=("par", "auteur"),
)

REFERENCE = (
    "Le train pour l'aéroport part toutes les vingt minutes du quai quatre.",
    "Préchauffez le four à 180 degrés et faites cuire le pain quarante minutes.",
    "Le match de football s'est terminé par un match nul après les prolongations.",
    "Notre bureau sera fermé les jours fériés.",
    "Redémarrez l'ordinateur et installez les dernières mises à jour.",
    "Le musée ouvre à dix heures du matin et ferme à six heures.",
    "Demain, le temps sera nuageux avec une légère pluie l'après-midi.",
    "L'appartement a deux chambres, un balcon et une petite cuisine.",
    "Buvez beaucoup d'eau et dormez suffisamment avant l'examen.",
    "L'entreprise a annoncé des bénéfices plus élevés au troisième trimestre.",
    "Veuillez conserver votre billet jusqu'à la fin du voyage.",
    "L'hôpital se trouve à côté du parc central.",
    "Mélangez la farine, le sucre et les œufs jusqu'à ce que la pâte soit lisse.",
    "Le nouveau téléphone a un plus grand écran et un meilleur appareil photo.",
    "Il apprend à jouer du piano depuis trois ans.",
    "Le conseil municipal a approuvé le budget des nouvelles pistes cyclables.",
    "N'oubliez pas d'arroser les plantes deux fois par semaine en été.",
    "L'hôtel offre le petit-déjeuner et le parking gratuits aux clients.",
    "Les vaccins sont disponibles en pharmacie sans rendez-vous.",
    "La population du pays a augmenté de deux pour cent.",
)

LANGUAGE = Language(
    code="fr",
    name="French",
    stemmer="french",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
)
