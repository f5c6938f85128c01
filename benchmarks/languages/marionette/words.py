"""English word pools of the sentence grammar, each word paired with its gloss."""

from __future__ import annotations

# gloss, English, third person singular
PRONOUNS: list[tuple[str, str, bool]] = [
    ("I", "I", False),
    ("YOU", "you", False),
    ("HE", "he", True),
    ("SHE", "she", True),
    ("WE", "we", False),
    ("THEY", "they", False),
]


def _words(text: str) -> list[str]:
    return text.split()


# people: subjects only ("the boy")
PEOPLE = _words(
    "boy girl man woman teacher student doctor nurse mother father sister brother friend baby "
    "farmer cook driver artist neighbor boss child aunt uncle lawyer pilot dancer singer "
    "grandmother grandfather"
)

# things: objects only; singular:plural where the plural is not singular+"s"
_THINGS = (
    "ball book apple car house letter cup box:boxes phone computer chair table dog cat bird "
    "horse fish:fish shoe shirt hat coat bag key pen pencil picture movie song story game cake "
    "egg orange banana sandwich:sandwiches cookie pizza flower tree bike boat train bus:buses "
    "ticket wallet clock lamp bed door window bottle glass:glasses plate knife:knives "
    "spoon fork toy doll kite candle gift card map newspaper magazine guitar drum piano camera "
    "ring necklace sock glove umbrella blanket pillow towel brush:brushes bucket basket notebook "
    "radio mouse:mice sheep:sheep cow pig duck rabbit tomato:tomatoes potato:potatoes carrot "
    "lemon pear peach:peaches onion pie shovel ladder hammer envelope stamp jacket"
)
THINGS: list[tuple[str, str]] = []
for _item in _THINGS.split():
    _sing, _, _plur = _item.partition(":")
    THINGS.append((_sing, _plur or _sing + "s"))

# transitive verbs: base, third person singular, past
_TRANSITIVE = (
    "see:sees:saw want:wants:wanted like:likes:liked have:has:had buy:buys:bought "
    "sell:sells:sold make:makes:made find:finds:found lose:loses:lost bring:brings:brought "
    "take:takes:took send:sends:sent read:reads:read write:writes:wrote draw:draws:drew "
    "paint:paints:painted eat:eats:ate throw:throws:threw catch:catches:caught "
    "kick:kicks:kicked carry:carries:carried wash:washes:washed fix:fixes:fixed "
    "break:breaks:broke open:opens:opened close:closes:closed push:pushes:pushed "
    "pull:pulls:pulled hold:holds:held drop:drops:dropped move:moves:moved "
    "watch:watches:watched love:loves:loved hate:hates:hated need:needs:needed use:uses:used "
    "borrow:borrows:borrowed hide:hides:hid show:shows:showed feed:feeds:fed "
    "choose:chooses:chose order:orders:ordered check:checks:checked count:counts:counted "
    "pack:packs:packed keep:keeps:kept forget:forgets:forgot remember:remembers:remembered "
    "touch:touches:touched grab:grabs:grabbed build:builds:built rent:rents:rented "
    "steal:steals:stole share:shares:shared deliver:delivers:delivered "
    "cook:cooks:cooked"
)
_INTRANSITIVE = (
    "sleep:sleeps:slept run:runs:ran work:works:worked dance:dances:danced swim:swims:swam "
    "laugh:laughs:laughed cry:cries:cried wait:waits:waited sing:sings:sang "
    "play:plays:played relax:relaxes:relaxed smile:smiles:smiled study:studies:studied "
    "rest:rests:rested travel:travels:traveled jump:jumps:jumped sit:sits:sat "
    "stand:stands:stood walk:walks:walked arrive:arrives:arrived"
)
# gloss, base, 3sg, past, transitive
VERBS: list[tuple[str, str, str, str, bool]] = []
for _text, _trans in ((_TRANSITIVE, True), (_INTRANSITIVE, False)):
    for _item in _text.split():
        _base, _s3, _past = _item.split(":")
        _gloss = _base.upper() + ("-FOOD" if _base == "cook" else "")
        VERBS.append((_gloss, _base, _s3, _past, _trans))

ADJECTIVES = _words(
    "red blue green yellow black white brown pink purple gray big small old new long short heavy "
    "cheap expensive beautiful ugly dirty wet dry hot cold soft hard broken favorite strange "
    "funny special empty full tiny huge warm fresh round shiny fancy plain strong"
)

# gloss, English phrase
PLACES: list[tuple[str, str]] = [
    ("SCHOOL", "at school"),
    ("HOME", "at home"),
    ("OFFICE", "at the office"),
    ("KITCHEN", "in the kitchen"),
    ("PARK", "in the park"),
    ("STORE", "at the store"),
    ("LIBRARY", "at the library"),
    ("HOSPITAL", "at the hospital"),
    ("CHURCH", "at church"),
    ("BEACH", "at the beach"),
    ("GARDEN", "in the garden"),
    ("FARM", "on the farm"),
    ("CITY", "in the city"),
    ("RESTAURANT", "at the restaurant"),
    ("BEDROOM", "in the bedroom"),
    ("CLASSROOM", "in the classroom"),
    ("AIRPORT", "at the airport"),
    ("STATION", "at the station"),
    ("MUSEUM", "at the museum"),
    ("ZOO", "at the zoo"),
    ("MARKET", "at the market"),
    ("GYM", "at the gym"),
    ("HOTEL", "at the hotel"),
    ("BANK", "at the bank"),
    ("STREET", "on the street"),
    ("FOREST", "in the forest"),
    ("LAKE", "at the lake"),
    ("GARAGE", "in the garage"),
    ("THEATER", "at the theater"),
    ("CAFE", "at the cafe"),
]

# gloss, English, value; the signing order of the pool is the preference order
NUMBERS: list[tuple[str, str, int]] = [
    (w.upper(), w, i)
    for i, w in enumerate(
        _words(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen twenty"
        ),
        start=1,
    )
]
NUMBERS = NUMBERS[1:] + NUMBERS[:1]  # "two" first, "one" last

# gloss, English phrase, tense
TIMES: list[tuple[str, str, str]] = [
    ("YESTERDAY", "yesterday", "past"),
    ("TOMORROW", "tomorrow", "future"),
    ("EVERY-DAY", "every day", "present"),
    ("LAST-WEEK", "last week", "past"),
    ("NEXT-WEEK", "next week", "future"),
    ("EVERY-MORNING", "every morning", "present"),
    ("LAST-YEAR", "last year", "past"),
    ("NEXT-YEAR", "next year", "future"),
    ("LAST-NIGHT", "last night", "past"),
    ("TONIGHT", "tonight", "future"),
]

WH_WORDS: list[tuple[str, str]] = [
    ("WHAT", "what"),
    ("WHO", "who"),
    ("WHERE", "where"),
    ("WHY", "why"),
]

NEGATION = "NOT"
ARTICLE = "THE"


def person_gloss(word: str) -> str:
    return word.upper()


def thing_gloss(word: str) -> str:
    return word.upper()


def adjective_gloss(word: str) -> str:
    return word.upper()


def _check_unique() -> None:
    glosses = (
        [g for g, _, _ in PRONOUNS]
        + [person_gloss(w) for w in PEOPLE]
        + [thing_gloss(s) for s, _ in THINGS]
        + [v[0] for v in VERBS]
        + [adjective_gloss(w) for w in ADJECTIVES]
        + [g for g, _ in PLACES]
        + [g for g, _, _ in NUMBERS]
        + [g for g, _, _ in TIMES]
        + [g for g, _ in WH_WORDS]
        + [NEGATION, ARTICLE]
    )
    dupes = sorted({g for g in glosses if glosses.count(g) > 1})
    if dupes:
        raise AssertionError(f"glosses used twice: {dupes}")


_check_unique()
