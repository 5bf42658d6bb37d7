"""Portuguese: function words, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    a à ao aos aquela aquelas aquele aqueles aquilo as às até com como da das de dela delas
    dele deles depois do dos e é ela elas ele eles em entre era eram essa essas esse esses
    esta está estão estas este estes estou eu foi foram há isso isto já lhe lhes mais mas
    me mesmo meu meus minha minhas muito na não nas nem no nos nós nossa nossas nosso
    nossos num numa o os ou para pela pelas pelo pelos por porque porquê qual quais quando
    que quem se sem ser será seu seus só sua suas também te tem têm teu tua tu um uma umas
    uns você vocês vos via onde como quanto pode podem posso
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "e quanto a",
        "quanto a",
        "e que tal",
        "que tal",
        "e sobre",
        "e para",
        "diz-me mais sobre",
        "conte-me mais sobre",
        "conte-me mais",
        "mais sobre",
        "e",
        "também",
        "então",
        "mas",
        "ou",
        "depois",
        "mais",
    ),
    deictics=words(
        """
        isso isto aquilo esse essa esses essas este esta estes estas aquele aquela o a os as
        lo la ele ela eles elas lá ali aí
        """
    ),
    links=words(
        """
        para de do da dos das sobre em no na nos nas com a ao à por pelo pela o a os as um
        uma entre
        """
    ),
    fillers=words(
        """
        diz diga conte conta mais ainda obrigado obrigada favor detalhes outro
        """
    ),
)

FRAME_WORDS = words(
    """
    menciona mencionam mencionado mencionados diz dizem dito descreve descrevem explica
    explicam artigo texto autor segundo lista enumera cita nomeia
    """
)

NUMBER_QUESTION = (
    r"\bquant[oa]s\b"
    r"|\bquanto (?:custa|custam|vale|valem|cobra|ganha|ganham|dinheiro)\b"
    r"|\bqual (?:é|e) o pre[cç]o\b|\bque pre[cç]o\b"
    r"|\b(?:popula[cç][aã]o|habitantes|sal[aá]rio)\b"
)

NUMBER_WORDS = words(
    """
    dois duas três quatro cinco seis sete oito nove dez onze doze treze catorze quatorze
    quinze dezasseis dezesseis dezassete dezessete dezoito dezanove dezenove vinte trinta
    quarenta cinquenta sessenta setenta oitenta noventa cem cento centenas mil milhares
    milhão milhões bilião bilhão dúzia dúzias metade
    """
)

PERCENT_WORDS = words("porcento percentagem porcentagem")

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"deixe (?:um|o seu|seu) comentário",
        r"deixar um comentário",
        r"comentários?",
        r"\d+ comentários?",
        r"publicidade",
        r"partilhar(?: isto)?",
        r"compartilhar(?: isso)?",
        r"gosto disto",
        r"artigos relacionados",
        r"posts relacionados",
        r"fonte",
        r"voltar à página inicial.*",
    ),
    widget_lines=(
        r"publicidade",
        r"(?:etiquetas|categorias|tags)\s*:.*",
        r"\d+\s*(?:comentários|partilhas|compartilhamentos)",
        r"(?:partilhar|compartilhar)(?:\s*[/|]\s*\w+)*",
        r"está a comentar usando .*",
        r"você está comentando utilizando .*",
        r"conectando a %s",
    ),
    months={
        "janeiro": 1,
        "fevereiro": 2,
        "março": 3,
        "abril": 4,
        "maio": 5,
        "junho": 6,
        "julho": 7,
        "agosto": 8,
        "setembro": 9,
        "outubro": 10,
        "novembro": 11,
        "dezembro": 12,
    },
    weekdays=(
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
    published=("publicado",),
    on=("em",),
    by=("por",),
    author=("por", "autor"),
)

REFERENCE = (
    "O comboio para o aeroporto parte a cada vinte minutos da plataforma quatro.",
    "Pré-aqueça o forno a 180 graus e asse o pão durante quarenta minutos.",
    "O jogo de futebol terminou empatado depois do prolongamento.",
    "O nosso escritório estará fechado nos feriados.",
    "Reinicie o computador e instale as atualizações mais recentes.",
    "O museu abre às dez da manhã e fecha às seis.",
    "Amanhã estará nublado com chuva fraca à tarde.",
    "O apartamento tem dois quartos, uma varanda e uma cozinha pequena.",
    "Beba muita água e durma o suficiente antes do exame.",
    "A empresa registou lucros maiores no terceiro trimestre.",
    "Por favor, guarde o seu bilhete até ao fim da viagem.",
    "O hospital fica ao lado do parque central.",
    "Misture a farinha, o açúcar e os ovos até a massa ficar lisa.",
    "O novo telemóvel tem um ecrã maior e uma câmara melhor.",
    "Ele aprende a tocar piano há três anos.",
    "A câmara municipal aprovou o orçamento para novas ciclovias.",
    "Lembre-se de regar as plantas duas vezes por semana no verão.",
    "O hotel oferece pequeno-almoço e estacionamento gratuitos aos hóspedes.",
    "As vacinas estão disponíveis na farmácia sem marcação.",
    "A população do país cresceu dois por cento.",
)

LANGUAGE = Language(
    code="pt",
    name="Portuguese",
    stemmer="portuguese",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
)
