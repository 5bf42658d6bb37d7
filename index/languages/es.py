"""Spanish: function words, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    a al algo algunas algunos ante antes como con contra cual cuales cuando cuál cuáles
    cuándo cuánta cuántas cuánto cuántos cómo de del desde donde durante dónde e el ella
    ellas ellos en entre era erais eran eras eres es esa esas ese eso esos esta estaba
    estaban estado estamos estar estas este esto estos estoy está están fue fueron fui
    fuimos ha habéis había habían han has hasta hay he hemos la las le les lo los me mi mis
    mucho muchos muy más nada ni no nos nosotras nosotros nuestra nuestras nuestro nuestros
    o os otra otras otro otros para pero poco por porque puede pueden puedo que quien
    quienes quién quiénes qué se sea sean según ser si sido siendo sin sobre sois somos son
    soy su sus suya suyas suyo suyos también tanto te tendrá tenemos tener tengo ti tiene
    tienen todo todos tu tus tuya tuyo tú un una uno unos vosotras vosotros vuestra vuestro
    y ya yo él ésta éste
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "y qué hay de",
        "qué hay de",
        "y qué tal",
        "qué tal",
        "qué pasa con",
        "más sobre",
        "más de",
        "cuéntame más sobre",
        "cuéntame más",
        "y",
        "e",
        "entonces",
        "pero",
        "también",
        "o",
        "u",
        "además",
        "más",
    ),
    deictics=words(
        """
        ahí allá allí así ello esa esas ese eso esos esta estas este esto estos lo
        """
    ),
    links=words(
        """
        a al con de del el en entre la las los para por sobre un una unas unos
        """
    ),
    fillers=words(
        """
        cuéntame detalles dime favor gracias más
        """
    ),
    opening_marks="¿¡",
)

FRAME_WORDS = words(
    """
    artículo autor describe describen dice dicen dicho enumera explica explican menciona
    mencionadas mencionado mencionados mencionan nombra nombran según texto
    """
)

NUMBER_QUESTION = (
    r"\bcu[aá]nt[oa]s\b"
    r"|\bcu[aá]nto (?:cuesta|cuestan|vale|valen|cobra|cobran|dinero|gana|ganan)\b"
    r"|\bqu[eé] precio\b|\bcu[aá]l es el precio\b"
    r"|\b(?:poblaci[oó]n|habitantes|salario|sueldo)\b"
)

NUMBER_WORDS = words(
    """
    catorce cien ciento cientos cinco cincuenta cuarenta cuatro diecinueve dieciocho
    diecisiete dieciséis diez doce docena docenas dos mil miles millones millón mitad
    noventa nueve ochenta ocho once quince seis sesenta setenta siete trece treinta tres
    veinte
    """
)

PERCENT_WORDS = words(
    """
    porcentaje porciento
    """
)

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"deja (?:un|tu) comentario",
        r"dejar un comentario",
        r"comentarios?",
        r"\d+ comentarios?",
        r"publicidad",
        r"anuncios?",
        r"compartir(?: esto)?",
        r"me gusta",
        r"entradas relacionadas",
        r"artículos relacionados",
        r"vía",
        r"fuente",
        r"volver a la portada.*",
    ),
    widget_lines=(
        r"publicidad",
        r"(?:etiquetas|categorías)\s*:.*",
        r"\d+\s*(?:comentarios|me gusta)",
        r"compartir(?:\s*[/|]\s*\w+)*",
        r"estás comentando usando .*",
        r"introduce tus datos.*",
        r"conectando a %s",
        r"%d blogueros les gusta esto.*",
    ),
    months={
        "enero": 1,
        "febrero": 2,
        "marzo": 3,
        "abril": 4,
        "mayo": 5,
        "junio": 6,
        "julio": 7,
        "agosto": 8,
        "septiembre": 9,
        "setiembre": 9,
        "octubre": 10,
        "noviembre": 11,
        "diciembre": 12,
    },
    weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    published=("publicado",),
    on=("el",),
    by=("por",),
    author=("por", "autor"),
)

REFERENCE = (
    "El tren al aeropuerto sale cada veinte minutos desde el andén cuatro.",
    "Precalienta el horno a 180 grados y hornea el pan durante cuarenta minutos.",
    "El partido de fútbol terminó en empate después de la prórroga.",
    "Nuestra oficina permanecerá cerrada los días festivos.",
    "Reinicia el ordenador e instala las últimas actualizaciones.",
    "El museo abre a las diez de la mañana y cierra a las seis.",
    "Mañana estará nublado con lluvia ligera por la tarde.",
    "El piso tiene dos dormitorios, un balcón y una cocina pequeña.",
    "Bebe mucha agua y duerme lo suficiente antes del examen.",
    "La empresa registró mayores beneficios en el tercer trimestre.",
    "Por favor, conserva tu billete hasta el final del viaje.",
    "El hospital está junto al parque central.",
    "Mezcla la harina, el azúcar y los huevos hasta que la masa esté lisa.",
    "El nuevo teléfono tiene una pantalla más grande y una cámara mejor.",
    "Lleva tres años aprendiendo a tocar el piano.",
    "El ayuntamiento aprobó el presupuesto para nuevos carriles bici.",
    "Recuerda regar las plantas dos veces por semana en verano.",
    "El hotel ofrece desayuno gratuito y aparcamiento para los huéspedes.",
    "Las vacunas están disponibles en la farmacia sin cita previa.",
    "La población del país ha crecido un dos por ciento.",
)

LANGUAGE = Language(
    code="es",
    name="Spanish",
    stemmer="spanish",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
)
