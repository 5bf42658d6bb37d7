"""Dutch: reference sentences only (and Snowball's stemmer), so that a Dutch
question over documents in other languages finds its place in the semantic
layer.  Not a corpus language yet: no function words, cues or patterns."""

from __future__ import annotations

from ._language import Language

REFERENCE = (
    "De trein naar het vliegveld vertrekt elke twintig minuten van spoor vier.",
    "Verwarm de oven voor op 180 graden en bak het brood veertig minuten.",
    "De voetbalwedstrijd eindigde na verlenging in een gelijkspel.",
    "Ons kantoor is op feestdagen gesloten.",
    "Start de computer opnieuw op en installeer de nieuwste updates.",
    "Het museum opent om tien uur 's ochtends en sluit om zes uur.",
    "Morgen wordt het bewolkt met lichte regen in de middag.",
    "Het appartement heeft twee slaapkamers, een balkon en een kleine keuken.",
    "Drink veel water en slaap genoeg voor het examen.",
    "Het bedrijf meldde hogere winsten in het derde kwartaal.",
    "Bewaar uw kaartje tot het einde van de reis.",
    "Het ziekenhuis ligt naast het centrale park.",
    "Meng de bloem, de suiker en de eieren tot het deeg glad is.",
    "De nieuwe telefoon heeft een groter scherm en een betere camera.",
    "Hij leert al drie jaar piano spelen.",
    "De gemeenteraad keurde het budget voor nieuwe fietspaden goed.",
    "Vergeet niet de planten in de zomer twee keer per week water te geven.",
    "Het hotel biedt gasten gratis ontbijt en parkeren.",
    "Vaccins zijn zonder afspraak verkrijgbaar bij de apotheek.",
    "De bevolking van het land is met twee procent gegroeid.",
)

LANGUAGE = Language(
    code="nl",
    name="Dutch",
    stemmer="dutch",
    stopwords=frozenset(),
    reference=REFERENCE,
)
