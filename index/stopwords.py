"""Stopword lists, one per language, chosen for retrieval.

The lists hold function words only: articles, pronouns, prepositions,
conjunctions, auxiliary and modal verb forms, and a few adverbs that carry no
topic.  Content words that some packaged lists include ("information",
"system", "world", "group", "interest", "problem", "work") are deliberately
absent: people ask about exactly those.  Question words ("what", "how",
"warum", "cómo") are stopwords for scoring, and the language detector uses the
lists as strong evidence of a question's language.
"""

from __future__ import annotations

EN = frozenset(
    """
    a about above after again against all am an and any are aren as at be because
    been before being below between both but by can cannot could couldn did didn do
    does doesn doing don down during each few for from further had hadn has hasn have
    haven having he her here hers herself him himself his how i if in into is isn it
    its itself just let me more most mustn my myself no nor not now of off on once only
    or other ought our ours ourselves out over own same shan she should shouldn so some
    such than that the their theirs them themselves then there these they this those
    through to too under until up very was wasn we were weren what when where which
    while who whom why will with won would wouldn you your yours yourself yourselves
    also may might must shall us yet via per
    """.split()
)

DE = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen
    anderer anderes anderm andern anders auch auf aus bei bin bis bist da damit dann
    das dass daß dasselbe dazu dein deine deinem deinen deiner deines dem demselben den
    denn denselben der derer derselbe derselben des desselben dessen dich die dies
    diese dieselbe dieselben diesem diesen dieser dieses dir doch dort du durch ein
    eine einem einen einer eines einig einige einigem einigen einiger einiges einmal er
    es etwas euch euer eure eurem euren eurer eures für gegen gewesen hab habe haben
    hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres
    im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt
    kann kein keine keinem keinen keiner keines können könnte man manche
    manchem manchen mancher manches mein meine meinem meinen meiner meines mich mir mit
    muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem
    seinen seiner seines selbst sich sie sind so solche solchem solchen solcher solches
    soll sollte sondern sonst über um und uns unsere unserem unseren unser unseres
    unter viel vom von vor während war waren warst was weg weil weiter welche welchem
    welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen
    wollte würde würden zu zum zur zwar zwischen warum wieso weshalb wann wer wen wem
    wessen woher wohin womit wodurch worüber gibt geht beim ans aufs durchs fürs
    übers ums vorm hinterm unterm
    """.split()
)

ES = frozenset(
    """
    a al algo algunas algunos ante antes como con contra cual cuales cuando de del
    desde donde durante e el ella ellas ellos en entre era erais eran eras eres es esa
    esas ese eso esos esta estaba estaban estado estamos estar estas este esto estos
    estoy está están fue fueron fui fuimos ha habéis había habían han has hasta hay he
    hemos la las le les lo los me mi mis mucho muchos muy más nada ni no nos nosotras
    nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros para pero
    poco por porque que quien quienes qué se sea sean según ser si sido siendo sin
    sobre sois somos son soy su sus suya suyas suyo suyos también tanto te tendrá
    tenemos tener tengo ti tiene tienen todo todos tu tus tuya tuyo tú un una uno unos
    vosotras vosotros vuestra vuestro y ya yo él éste ésta cómo cuál cuáles cuándo
    dónde quién quiénes cuánto cuántos cuánta cuántas puede pueden puedo
    """.split()
)

STOPWORDS: dict[str, frozenset[str]] = {"en": EN, "de": DE, "es": ES}


def stopwords_for(lang: str) -> frozenset[str]:
    """The stopword list for a primary language subtag; empty when unknown.

    >>> "the" in stopwords_for("en"), "information" in stopwords_for("en")
    (True, False)
    >>> stopwords_for("fi")
    frozenset()
    """
    return STOPWORDS.get(lang, frozenset())
