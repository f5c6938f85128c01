"""The English side of the vocabulary: word lists, word classes and inflection."""

from __future__ import annotations

from dataclasses import dataclass

# Nouns: "gloss" or "gloss=english", "singular/plural" when irregular. Ordered basic first.
_ANIMATE = """
BOY GIRL MAN/men WOMAN/women CHILD/children TEACHER DOCTOR DOG CAT HORSE BIRD FISH/fish
STUDENT FARMER MOTHER FATHER FRIEND BABY COW PIG MOUSE/mice RABBIT BEAR LION SISTER BROTHER
NURSE CHEF DRIVER PILOT SINGER DANCER ARTIST WRITER KING QUEEN POLICE-OFFICER=police_officer
NEIGHBOR LAWYER JUDGE SOLDIER WORKER PLAYER COACH UNCLE AUNT SHEEP/sheep GOAT DUCK CHICKEN
FROG SNAKE MONKEY ELEPHANT DEER/deer OWL BEE TIGER WOLF/wolves FOX BAKER GRANDMOTHER
GRANDFATHER CLOWN GUEST PRINCE PRINCESS TOURIST PIRATE
"""
_THINGS = """
BOOK TABLE CHAIR DOOR HOUSE CAR BALL APPLE MUFFIN CAKE PHONE BUS TRAIN BOAT PLANE BIKE
WINDOW CUP PLATE KNIFE/knives BOX BAG KEY HAT SHIRT SHOE COAT TOY PICTURE MAP CLOCK LAMP BED
BANANA EGG COOKIE SANDWICH PIZZA POTATO/potatoes TOMATO/tomatoes CARROT ONION LEMON PEAR
PEACH FLOWER TREE GARDEN RIVER MOUNTAIN ROAD BRIDGE SHOP SCHOOL CHURCH FARM PARK CITY/cities
VILLAGE ISLAND BEACH LAKE FIELD KITCHEN ROOM OFFICE HOSPITAL LIBRARY MUSEUM RESTAURANT HOTEL
TENT TICKET GIFT RING BRACELET UMBRELLA CAMERA RADIO GUITAR DRUM PIANO SONG STORY CANDLE BASKET
BUCKET LADDER ROPE HAMMER STONE SHELL FEATHER LEAF/leaves SOCK GLOVE SCARF/scarves DRESS BELT
WALLET COIN ENVELOPE LETTER DESK SHELF/shelves SOFA MIRROR TOWEL BRUSH COMB BOWL POT PAN
KETTLE OVEN SPOON FORK BOTTLE PEN PENCIL NEWSPAPER COMPUTER BLANKET PILLOW KITE BALLOON
ROCKET TRUCK TRACTOR WAGON CASTLE TOWER FENCE GATE STAR CLOUD FLAG DOLL PUZZLE NOTEBOOK
"""
_FOOD = {
    "APPLE",
    "MUFFIN",
    "CAKE",
    "BANANA",
    "EGG",
    "COOKIE",
    "SANDWICH",
    "PIZZA",
    "POTATO",
    "TOMATO",
    "CARROT",
    "ONION",
    "LEMON",
    "PEAR",
    "PEACH",
    "FISH",
    "CHICKEN",
}

# Transitive verbs: "base" or "base/past"; then the object class: any, thing, animate, food.
_TRANSITIVE = """
see/saw:any like:any want:thing have/had:thing find/found:any buy/bought:thing
make/made:thing take/took:thing watch:any help:animate love:any know/knew:animate
visit:any call:animate meet/met:animate follow:animate carry:thing polish:thing paint:thing
draw/drew:any read/read:thing write/wrote:thing open:thing close:thing break/broke:thing
fix:thing cook:food eat/ate:food catch/caught:any throw/threw:thing hold/held:any push:any
pull:thing wash:any cut/cut:thing lose/lost:thing forget/forgot:any remember:any
choose/chose:any borrow:thing hide/hid:thing touch:any kick:thing feed/fed:animate
teach/taught:animate ask:animate thank:animate miss:any chase:animate hear/heard:any
smell:any taste:food check:thing count:any order:thing pay/paid:animate send/sent:thing
keep/kept:any move:thing drop:thing pack:thing fill:thing build/built:thing plant:thing
pick:thing wear/wore:thing enjoy:thing prefer:any notice:any protect:any invite:animate
trust:animate wake/woke:animate hug:animate photograph:any lift:thing climb:thing
ride/rode:thing drive/drove:thing steal/stole:thing search:thing deliver:thing repair:thing
measure:thing share:thing show/showed:thing use:thing study:thing sell/sold:thing
bring/brought:thing
"""
_INTRANSITIVE = """
run/ran walk swim/swam sleep/slept laugh cry dance jump sit/sat stand/stood wait work play
rest smile shout fall/fell arrive leave/left win/won travel cough sneeze yawn fly/flew
listen speak/spoke think/thought return stay hurry shiver float sing/sang pray relax
snore blink kneel/knelt wander
"""
# Adjectives: "word" (any noun), "word:a" (animate only) or "word:t" (things only).
_ADJECTIVES = """
big small old new tall short happy:a sad:a hot cold red blue green tired:a hungry:a fast
slow angry:a sick:a busy:a strong weak clean dirty heavy:t light:t full:t empty:t cheap:t
expensive:t beautiful ugly funny quiet loud soft hard long thin wide:t narrow:t dark bright
yellow black white brown pink purple gray thirsty:a bored:a scared:a brave:a calm:a kind:a
rude:a shy:a proud:a lazy:a warm cool wet dry pretty serious:a smooth:t rough:t sharp:t
round:t thick:t fresh:t sweet:t sour:t salty:t spicy:t broken:t famous rich:a poor:a lucky:a
careful:a nervous:a friendly:a clever:a silly:a gentle wild tiny huge deep:t shallow:t
shiny:t sticky:t wooden:t strange lonely:a excited:a curious:a polite:a honest:a sleepy:a
noisy healthy:a modern:t ancient:t golden:t fluffy
"""
NUMBERS = ("TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE", "TEN")
PRONOUNS = {  # gloss: (subject, object, agreement)
    "I": ("I", "me", "1s"),
    "YOU": ("you", "you", "pl"),
    "HE": ("he", "him", "3s"),
    "SHE": ("she", "her", "3s"),
    "WE": ("we", "us", "pl"),
    "THEY": ("they", "them", "pl"),
}
TIMES = {  # gloss: (English phrase, tense)
    "YESTERDAY": ("yesterday", "past"),
    "TOMORROW": ("tomorrow", "future"),
    "TODAY": ("today", "present"),
    "NOW": ("now", "present"),
    "EVERY-DAY": ("every day", "present"),
    "LAST-WEEK": ("last week", "past"),
    "NEXT-WEEK": ("next week", "future"),
    "MORNING": ("in the morning", "present"),
    "LATER": ("later", "future"),
    "LAST-NIGHT": ("last night", "past"),
}
WH = ("WHO", "WHAT", "WHERE", "WHY", "WHEN", "HOW-MANY")
NEGATION = "NOT"
YN_MARK = "nm:yn"  # the gloss token of the yes/no brow raise (a non-manual, signed by the face)


@dataclass(frozen=True)
class Noun:
    gloss: str
    singular: str
    plural: str
    kind: str  # "animate" or "thing"
    food: bool


@dataclass(frozen=True)
class Verb:
    gloss: str
    base: str
    third: str  # he ...s
    past: str
    takes: str  # object class; "" for intransitive verbs


@dataclass(frozen=True)
class Adjective:
    gloss: str
    word: str
    applies: str  # "any", "animate" or "thing"


def plural(word: str) -> str:
    """The regular English plural."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def third_person(verb: str) -> str:
    """He/she form of a verb in the present."""
    if verb == "have":
        return "has"
    if verb.endswith(("s", "x", "z", "ch", "sh", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def regular_past(verb: str) -> str:
    """The regular English past tense."""
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    if verb in ("drop", "hug", "plan", "stop", "shop", "prefer"):
        return verb + verb[-1] + "ed"
    return verb + "ed"


def _nouns(text: str, kind: str) -> list[Noun]:
    out = []
    for item in text.split():
        head, _, irregular = item.partition("/")
        gloss, _, english = head.partition("=")
        singular = (english or gloss.lower()).replace("_", " ")
        out.append(Noun(gloss, singular, irregular or plural(singular), kind, gloss in _FOOD))
    return out


def _verbs(text: str, transitive: bool) -> list[Verb]:
    out = []
    for item in text.split():
        word, _, takes = item.partition(":") if transitive else (item, "", "")
        base, _, past = word.partition("/")
        out.append(Verb(base.upper(), base, third_person(base), past or regular_past(base), takes))
    return out


def _adjectives(text: str) -> list[Adjective]:
    kinds = {"": "any", "a": "animate", "t": "thing"}
    return [
        Adjective(word.upper(), word, kinds[kind])
        for word, _, kind in (item.partition(":") for item in text.split())
    ]


ANIMATES = _nouns(_ANIMATE, "animate")
THINGS = _nouns(_THINGS, "thing")
TRANSITIVE = _verbs(_TRANSITIVE, transitive=True)
INTRANSITIVE = _verbs(_INTRANSITIVE, transitive=False)
ADJECTIVES = _adjectives(_ADJECTIVES)
NUMBER_WORDS = dict(
    zip(
        NUMBERS,
        ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        strict=True,
    )
)
