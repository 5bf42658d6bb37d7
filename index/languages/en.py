"""English: function words, follow-up cues, question patterns and web chrome."""

from __future__ import annotations

from ._language import Boilerplate, FollowUpCues, Language, words

STOPWORDS = words(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn
    doing don down during each few for from further had hadn has hasn have haven having he
    her here hers herself him himself his how i if in into is isn it its itself just let may
    me might more most must mustn my myself no nor not now of off on once only or other
    ought our ours ourselves out over own per same shall shan she should shouldn so some
    such than that the their theirs them themselves then there these they this those through
    to too under until up us very via was wasn we were weren what when where which while who
    whom why will with won would wouldn yet you your yours yourself yourselves
    """
)

FOLLOW_UP = FollowUpCues(
    connectives=(
        "and what about",
        "and how about",
        "what about",
        "how about",
        "what else about",
        "tell me more about",
        "tell me more",
        "more about",
        "more on",
        "same for",
        "and",
        "also",
        "so",
        "then",
        "but",
        "or",
        "plus",
        "more",
    ),
    deictics=words(
        """
        he her him it its itself she such that their them there these they this those
        """
    ),
    links=words(
        """
        a about an at between by for from in into of on the to with
        """
    ),
    fillers=words(
        """
        again anything details else more ok okay please something tell thanks
        """
    ),
)

FRAME_WORDS = words(
    """
    according article author describe described describes explain explained explains list
    listed mention mentioned mentions named said say says tell tells text writes written
    wrote
    """
)

NUMBER_QUESTION = (
    r"\bhow many\b"
    r"|\bhow much\b(?:(?!\?).)*\b(?:cost|costs|charge|charges|pay|earn|earns|worth)\b"
    r"|\bhow much (?:money|is|are)\b|\bwhat(?: is|'s) the price\b"
    r"|\b(?:population|salary|salaries)\b"
)

NUMBER_WORDS = words(
    """
    billion billions dozen dozens eight eighteen eighty eleven fifteen fifty five forty four
    fourteen half hundred hundreds million millions nine nineteen ninety percent seven
    seventeen seventy six sixteen sixty ten thirteen thirty thousand thousands three twelve
    twenty two
    """
)

PERCENT_WORDS = words(
    """
    pct percent percentage
    """
)

BOILERPLATE = Boilerplate(
    tail_openers=(
        r"leave a (?:reply|comment)",
        r"post a comment",
        r"comments?",
        r"\d+ comments?",
        r"responses?",
        r"advertisements?",
        r"share this",
        r"like this",
        r"related(?: posts)?",
        r"via",
        r"source",
        r"back to (?:the )?(?:home|front) ?page.*",
    ),
    widget_lines=(
        r"advertisements?",
        r"(?:tags|categories)\s*:.*",
        r"\d+\s*(?:shares?|likes?|comments?)",
        r"share(?:\s*[/|]\s*\w+)*",
        r"you are commenting using .*",
        r"fill in your details below.*",
        r"connecting to %s",
        r"%d bloggers like this.*",
        r"want to join the discussion\?.*",
        r"feel free to contribute!?",
    ),
    months={
        "january": 1,
        "february": 2,
        "march": 3,
        "april": 4,
        "may": 5,
        "june": 6,
        "july": 7,
        "august": 8,
        "september": 9,
        "october": 10,
        "november": 11,
        "december": 12,
    },
    weekdays=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    published=("posted", "published"),
    on=("on",),
    by=("by",),
    author=("by", "author"),
)

REFERENCE = (
    "The train to the airport leaves every twenty minutes from platform four.",
    "Preheat the oven to 180 degrees and bake the bread for forty minutes.",
    "The football match ended in a draw after extra time.",
    "Our office will be closed on public holidays.",
    "Restart the computer and install the latest updates.",
    "The museum opens at ten in the morning and closes at six.",
    "Tomorrow will be cloudy with light rain in the afternoon.",
    "The apartment has two bedrooms, a balcony and a small kitchen.",
    "Drink plenty of water and get enough sleep before the exam.",
    "The company reported higher profits in the third quarter.",
    "Please keep your ticket until the end of the journey.",
    "The hospital is located next to the central park.",
    "Mix the flour, sugar and eggs until the dough is smooth.",
    "The new phone has a larger screen and a better camera.",
    "He has been learning to play the piano for three years.",
    "The city council approved the budget for new bicycle lanes.",
    "Remember to water the plants twice a week in summer.",
    "The hotel offers free breakfast and parking for guests.",
    "Vaccines are available at the pharmacy without an appointment.",
    "The population of the country has grown by two percent.",
)

LANGUAGE = Language(
    code="en",
    name="English",
    stemmer="english",
    stopwords=STOPWORDS,
    followup=FOLLOW_UP,
    boilerplate=BOILERPLATE,
    frame_words=FRAME_WORDS,
    number_question=NUMBER_QUESTION,
    number_words=NUMBER_WORDS,
    percent_words=PERCENT_WORDS,
    reference=REFERENCE,
)
