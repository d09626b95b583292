"""The words a hint may use: degrees, dials (what a clause turns, which way), looks, protections.

Data only; ``grammar`` reads clauses with it and ``solve`` turns them into op parameters.
Every phrase is written in its normalised form: lower case, "colour", "grey", "dont" (see
``grammar.normalise``); filler words ("the", "photo", "please", ...) are dropped before a
clause is matched a second time, and the softer ones ("tones", "colours") before a third.
"""

from __future__ import annotations

from dataclasses import dataclass

# Degree words -> multiplier of a dial's unit change (the change with no degree word).
# Listed weakest first; the README's table gives the visible shift each one asks for.
DEGREES: dict[str, float] = {
    "a touch": 0.25, "a tiny bit": 0.25, "very slightly": 0.25, "barely": 0.25, "a hint": 0.25,
    "subtly": 0.25, "a tad": 0.25, "just a touch": 0.25, "ever so slightly": 0.25,
    "slightly": 0.5, "a bit": 0.5, "a little": 0.5, "a little bit": 0.5, "mildly": 0.5, "gently": 0.5,
    "lightly": 0.5, "a little more": 0.5, "a bit more": 0.5, "slightly more": 0.5, "not too much": 0.5,
    "not much": 0.5, "not too strongly": 0.5, "not overdone": 0.5,
    "somewhat": 0.75, "a fair bit": 0.75, "rather": 0.75, "fairly": 0.75,
    "moderately": 1.0, "more": 1.0, "noticeably": 1.0, "appropriately": 1.0,
    "much": 1.75, "a lot": 1.75, "strongly": 1.75, "way": 1.75, "considerably": 1.75, "significantly": 1.75,
    "substantially": 1.75, "quite a bit": 1.75, "lots": 1.75, "far": 1.75, "really": 1.75, "much more": 1.75,
    "a lot more": 1.75, "greatly": 1.75, "heavily": 1.75, "way more": 1.75,
    "very": 2.0, "super": 2.0, "so much": 2.0,
    "very much": 2.5, "a great deal": 2.5, "a whole lot": 2.5, "hugely": 2.5, "massively": 2.5,
    "dramatically": 2.5, "very much more": 2.5,
    # an intensifier said twice: one step past it said once
    "very very": 2.5, "much much": 2.5, "really really": 2.5, "a lot a lot": 2.5, "way way": 2.5,
    "extremely": 3.0, "drastically": 3.0, "as much as possible": 3.0, "maximally": 3.0, "insanely": 3.0,
}
NO_DEGREE = 1.0


@dataclass(frozen=True)
class Dial:
    """One thing a clause can turn, and how a degree becomes a visible change.

    ``measure`` names the visible quantity the degree sets (``solve.MEASURES``): the unit
    change (no degree word) shifts it by ``unit``; with ``measure`` None the degree scales the
    op parameter directly, ``unit`` per degree (effects a 256-pixel proxy cannot show).
    ``nominal`` is the parameter one unit gives a typical photo, used where no photo is at
    hand (checking a hint, the vlm critic's suggestions). ``number`` says how a number in a
    clause is read: "points" (of ``measure``), "percent" (of ``measure``'s value), "ev",
    "range" (N/100 of the knob's range).
    """

    name: str
    op: str
    knob: str
    attribute: str
    measure: str | None
    unit: float
    nominal: float
    lo: float
    hi: float
    number: str
    words: tuple[str, str]  # instruction words, raising / lowering
    positive: int = 1  # which way of the clause raises the op parameter (-1: "less haze" = more dehaze)
    up: tuple[str, ...] = ()
    down: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()
    adj_up: tuple[str, ...] = ()  # "too bright", "not so bright", "less bright" lower it
    adj_down: tuple[str, ...] = ()
    verbs_up: tuple[str, ...] = ()  # verbs that raise it when put before one of its nouns
    verbs_down: tuple[str, ...] = ()


DIALS: tuple[Dial, ...] = (
    Dial("warmth", "white_balance", "warmth", "white_balance", "b", 6.0, 0.4, -2.0, 2.0, "points",
         ("warm up the colours", "cool down the colours"),
         up=("warmer", "warm", "warm up", "warm it up", "more warmth", "yellower", "more yellow", "more orange",
             "redder", "less cool", "less blue", "less cold"),
         down=("cooler", "cool", "cool down", "cool it down", "colder", "cold", "bluer", "more blue", "less warm",
               "less yellow", "less orange"),
         nouns=("warmth", "temperature", "colour temperature", "temp"), adj_up=("warm", "yellow", "orange", "red"),
         adj_down=("cool", "cold", "blue")),
    Dial("tint", "white_balance", "tint", "white_balance", "a", 4.0, 0.25, -1.0, 1.0, "points",
         ("shift the tint toward magenta", "shift the tint toward green"),
         up=("more magenta", "magenta", "pinker", "more pink", "less green", "magenta tint"),
         down=("greener", "more green", "green", "less magenta", "less pink", "green tint"),
         nouns=("tint",), adj_up=("magenta", "pink"), adj_down=("green",)),
    Dial("brightness", "exposure", "ev", "exposure", "L", 8.0, 0.55, -4.0, 4.0, "points",
         ("increase exposure", "decrease exposure"),
         up=("brighter", "lighter", "brighten", "brighten up", "lighten", "lighten up", "bright", "more exposure",
             "more light", "expose up", "less dark", "not so dark"),
         down=("darker", "darken", "dimmer", "dark", "less exposure", "less light", "dim", "expose down",
               "less bright", "not so bright"),
         nouns=("brightness", "exposure", "light", "lightness", "luminosity"),
         adj_up=("bright", "light", "overexposed", "washed out"), adj_down=("dark", "dim", "underexposed")),
    Dial("contrast", "contrast", "amount", "contrast", "rms", 3.0, 0.42, -1.0, 1.0, "percent",
         ("increase contrast", "decrease contrast"),
         up=("punchier", "punchy", "contrasty", "contrastier", "more punch", "higher contrast", "crunchier",
             "more contrasty", "deeper contrast"),
         down=("flatter", "flat", "softer", "lower contrast", "softer contrast", "less punch", "gentler contrast",
               "less contrasty", "softer tones", "softer light"),
         nouns=("contrast", "global contrast"), adj_up=("contrasty", "punchy", "harsh"), adj_down=("flat",)),
    Dial("saturation", "saturation", "saturation", "saturation", "chroma", 5.0, 0.3, -1.0, 2.0, "percent",
         ("increase saturation", "decrease saturation"),
         up=("more saturated", "saturated", "more colourful", "colourful", "richer colours", "vivid", "more vivid",
             "saturate", "more colour", "stronger colours", "boost colours", "bolder colours", "more intense colours",
             "deeper colours", "punchier colours"),
         down=("less saturated", "desaturated", "desaturate", "muted", "more muted", "less colourful", "subdued",
               "less colour", "softer colours", "weaker colours", "mute colours", "muted colours", "less vivid",
               "tone down colours", "calmer colours"),
         nouns=("saturation", "colour saturation", "colourfulness", "colour intensity", "colours"),
         adj_up=("saturated", "colourful", "vivid", "garish", "oversaturated"),
         adj_down=("muted", "dull", "desaturated", "drab")),
    Dial("vibrance", "saturation", "vibrance", "saturation", "chroma", 4.0, 0.35, -1.0, 1.0, "percent",
         ("increase vibrance", "decrease vibrance"),
         up=("more vibrant", "vibrant"), down=("less vibrant",),
         nouns=("vibrance", "vibrancy"), adj_up=("vibrant",)),
    Dial("highlights", "tone", "highlights", "highlights", "hi", 5.0, 0.35, -1.0, 1.0, "range",
         ("brighten the highlights", "recover the highlights"),
         up=("brighter highlights", "brighter whites", "lighter highlights"),
         down=("darker highlights", "less blown highlights", "more highlight detail", "tame highlights",
               "recover highlights", "highlight recovery", "softer highlights", "more detail in the highlights",
               "more detail in highlights"),
         # spc edits the whole photo: "darken the sky" is the highlights a photographer pulls down for it
         # (read otherwise, "sky" is a filler and the clause would darken everything)
         nouns=("highlights", "highlight detail", "highlight details", "bright areas", "brights", "whites", "sky",
                "sky detail", "clouds"),
         verbs_up=("lift", "brighten", "lighten", "boost"),
         verbs_down=("recover", "tame", "pull down", "rescue", "darken", "tone down", "bring back", "restore",
                     "hold back", "compress")),
    Dial("shadows", "tone", "shadows", "shadows", "lo", 5.0, 0.35, -1.0, 1.0, "range",
         ("lift the shadows", "deepen the shadows"),
         up=("brighter shadows", "lighter shadows", "more shadow detail", "lifted shadows", "open shadows",
             "shadow recovery", "more detail in the shadows", "more detail in shadows"),
         down=("darker shadows", "deeper shadows", "deeper blacks", "richer blacks", "crushed shadows",
               "stronger blacks", "darker blacks", "crushed blacks"),
         nouns=("shadows", "shadow detail", "shadow details", "dark areas", "blacks", "darks", "dark tones"),
         verbs_up=("lift", "open up", "open", "brighten", "lighten", "recover", "raise", "bring out", "reveal",
                   "restore"),
         verbs_down=("crush", "deepen", "darken", "sink", "lower")),
    Dial("clarity", "clarity", "amount", "sharpness", None, 0.3, 0.3, -1.0, 1.0, "range",
         ("increase clarity", "soften local contrast"),
         up=("more clarity", "more local contrast", "more texture", "more definition", "grittier", "more structure"),
         down=("soft", "less clarity", "dreamy", "dreamier", "softer focus", "soft focus", "soften", "glowy",
               "less local contrast", "less texture", "smoother skin", "softer look", "soft look"),
         nouns=("clarity", "local contrast", "texture", "structure", "definition")),
    Dial("sharpness", "sharpen", "amount", "sharpness", None, 0.5, 0.5, 0.0, 2.0, "range",
         ("increase sharpness", "reduce sharpness"),
         up=("sharper", "sharpen", "crisper", "crisp", "more detail", "more details", "more sharpness",
             "sharpen up", "more crisp", "more crispness", "tack sharp"),
         nouns=("sharpness", "sharpening", "detail", "details", "crispness", "acutance"), adj_up=("sharp",),
         adj_down=("soft", "blurry")),
    Dial("haze", "dehaze", "amount", "haze", None, 0.5, 0.5, 0.0, 1.0, "range",
         ("add haze", "reduce haze"), positive=-1,
         down=("less haze", "dehaze", "remove haze", "clearer", "less hazy", "less foggy", "less fog", "no haze",
               "cut through haze", "haze removal", "clear haze", "less mist", "less misty", "clear up"),
         nouns=("haze", "fog", "mist", "haziness"), adj_up=("hazy", "foggy", "misty"),
         verbs_down=("remove", "clear", "cut through")),
    Dial("noise", "denoise", "amount", "noise", None, 0.5, 0.5, 0.0, 1.0, "range",
         ("add noise", "reduce noise"), positive=-1,
         down=("less noise", "denoise", "reduce noise", "cleaner", "less noisy", "less grainy", "less grain",
               "noise reduction", "smoother", "remove noise", "no noise", "clean up", "clean up noise"),
         nouns=("noise", "grain", "graininess", "luminance noise", "colour noise"),
         adj_up=("noisy", "grainy"), verbs_down=("remove", "clean up", "suppress")),
    Dial("fade", "fade", "lift", "shadows", None, 0.05, 0.05, 0.0, 0.25, "range",
         ("fade the blacks", "deepen the blacks"),
         up=("faded", "fade", "more faded", "lifted blacks", "lift blacks", "washed blacks", "milky blacks",
             "matte blacks"),
         down=("less faded",),
         nouns=("fade",)),
)
DIALS_BY_NAME: dict[str, Dial] = {d.name: d for d in DIALS}

# Generic verbs that turn any dial's noun up or down ("increase saturation", "less contrast").
UP_VERBS = ("more", "increase", "boost", "raise", "add", "add more", "enhance", "higher", "stronger", "bump up",
            "turn up", "bring up", "push", "up", "amp up", "pump up", "improve", "strengthen", "intensify",
            "heighten", "amplify", "increased", "boosted", "extra", "too little", "not enough")
DOWN_VERBS = ("less", "reduce", "decrease", "lower", "cut", "cut back", "weaker", "turn down", "bring down",
              "tone down", "pull back", "dial back", "dial down", "minimise", "lessen", "drop", "reduced",
              "decreased", "weaken", "soften", "diminish", "fewer", "lower the", "pull down", "too much",
              "not so much", "not as much", "not that much", "way too much", "far too much")
# Suffix forms: "saturation up", "contrast down".
UP_SUFFIXES = ("up", "boost", "plus")
DOWN_SUFFIXES = ("down", "minus")

# Turn a dial's adjective around: "too bright" / "not so bright" / "less bright" lower brightness.
FLIP_PREFIXES = ("too", "not so", "not as", "not", "less", "overly", "way too", "far too", "a bit too")

NEUTRAL = ("neutral", "more neutral", "neutral colours", "neutral white balance", "neutral white", "neutral greys",
           "neutralise", "neutralise cast", "neutralise colour cast", "neutralise colours", "remove cast",
           "remove colour cast", "no cast", "no colour cast", "fix white balance", "correct white balance",
           "fix colour cast", "correct colour cast", "auto white balance", "white balance", "auto wb", "awb",
           "correct colours", "true colours", "true to life colours", "accurate colours", "natural colours",
           "balance colours", "balance white balance", "colour correct", "colour correction", "whites white",
           "greys grey", "neutral light", "get rid of cast", "lose cast", "fix colours", "fix colour",
           "correct colour", "fix colour balance", "correct colour balance", "colour balance")
# "fix the mixed light": neutral colours region by region, whatever the lights measure (the user has
# said there are two; "neutral colours" takes the regional path only where it measures them apart)
MIXED_LIGHT = ("mixed light", "fix mixed light", "neutralise mixed light", "correct mixed light", "mixed lighting",
               "fix mixed lighting", "neutral colours everywhere", "neutralise each light", "two lights",
               "fix two lights", "neutralise both lights", "neutral colours region by region", "mixed",
               "fix mixed", "neutralise mixed", "correct mixed")
# "fix the exposure": the exposure the critic measures as right for the photo (its own exposure
# correction, at full strength, found or not; none where the exposure reads right), as "fix the
# colours" is the photo's measured light
AUTO_EXPOSURE = ("fix exposure", "correct exposure", "auto exposure", "fix brightness", "correct brightness",
                 "proper exposure", "right exposure", "correct exposure level", "expose correctly",
                 "expose properly", "fix over exposure", "fix under exposure", "normal exposure",
                 "fix overexposure", "fix underexposure", "correct overexposure", "correct underexposure")
# "auto enhance", "fix everything": what spc does without a hint (the critic's fixes); as a hint
# they are a usage error that says so, not "not understood"
AUTO_ALL = ("auto enhance", "enhance", "auto", "auto fix", "autofix", "auto correct", "fix", "fix everything",
            "fix all", "improve", "make better", "make look better", "make look good", "enhance everything",
            "auto adjust", "auto tone", "auto levels", "best", "better", "nicer", "good", "great", "perfect")
# "remove the orange cast", "undo the blue tint", "get rid of the green cast": the light's colour named
# by how it shows, taken out as "neutral colours" takes it out (by the photo's measured light, not a
# fixed step); "too orange", "less red" and "less blue" stay steps of warmth and tint
# (``grammar`` reads a verb, any of these words, then "cast" or "tint", or a verb and a hue)
CAST_COLOURS = ("orange", "yellow", "warm", "amber", "red", "blue", "cool", "cold", "green", "magenta", "pink",
                "purple", "cyan", "colour", "unnatural", "ugly", "strong", "heavy", "slight", "tungsten",
                "fluorescent", "indoor")
CAST_VERBS = ("remove", "fix", "correct", "undo", "neutralise", "rid", "lose", "kill", "eliminate", "take out",
              "take away", "no", "without")
# the colours a cast is seen as: "remove the orange", "kill the blue" name one without "cast"
CAST_HUES = ("orange", "yellow", "amber", "red", "blue", "green", "magenta", "pink", "purple", "cyan")
MONOCHROME = ("black_and_white", "monochrome", "greyscale", "mono", "b/w", "bw", "no colour", "colourless",
              "convert to black_and_white", "black_and_white conversion", "noir")
KELVIN_WORDS = ("white balance", "wb", "temperature", "colour temperature", "light", "lighting", "set", "to",
                "at", "balance", "for", "like", "as if", "lit", "white point", "preset", "kelvin", "k")

# Protections: "keep the highlights" limits every other edit (``protect``).
PROTECT: dict[str, tuple[str, ...]] = {
    "highlights": ("keep highlights", "protect highlights", "preserve highlights", "save highlights",
                   "hold highlights", "retain highlights", "keep highlight detail", "protect highlight detail",
                   "preserve highlight detail", "no blown highlights", "no clipping", "no clipped highlights",
                   "dont blow highlights", "dont blow out highlights", "dont clip", "dont clip highlights",
                   "dont lose highlights", "without clipping", "without blowing highlights", "keep whites",
                   "protect whites", "dont blow out whites", "avoid clipping", "no blown out highlights",
                   "keep highlights intact", "keep sky", "protect sky", "dont blow out sky"),
    "shadows": ("keep shadows", "protect shadows", "preserve shadows", "keep shadow detail",
                "protect shadow detail", "preserve shadow detail", "dont crush shadows", "dont crush blacks",
                "no crushed blacks", "no crushed shadows", "keep blacks", "protect blacks", "hold shadows",
                "dont lose shadows", "without crushing shadows", "without crushing blacks", "avoid crushing"),
}

# Looks: named recipes of the same clauses, each clause with its own degree. A look's own
# degree ("slightly moody") multiplies them; a clause the hint states itself wins over the
# look's clause on the same dial.
LOOKS: dict[str, tuple[str, ...]] = {
    "golden hour": ("much warmer", "a touch more magenta", "slightly more vibrant", "a touch brighter",
                    "slightly less contrast"),
    "moody": ("slightly darker", "slightly cooler", "somewhat less saturated", "slightly deepen shadows",
              "slightly more contrast"),
    "airy": ("much brighter", "slightly less contrast", "slightly lift shadows", "slightly less saturated",
             "a touch cooler"),
    "matte": ("faded", "slightly less contrast", "a touch less saturated"),
    "film": ("a touch faded", "slightly more contrast", "slightly less saturated", "a touch warmer",
             "a touch more clarity"),
    "dramatic": ("more contrast", "slightly darker", "slightly deepen shadows", "more clarity",
                 "slightly less saturated"),
    "vintage": ("faded", "slightly less saturated", "slightly warmer", "slightly less contrast"),
    "high key": ("much brighter", "slightly less contrast", "slightly lift shadows"),
    "low key": ("much darker", "slightly more contrast", "slightly deepen shadows"),
    # what a photographer asks of a photo that "pops": more contrast, livelier colour that spares skin
    # and what is already vivid (vibrance, not saturation), and crisper mid-tones
    "pop": ("more contrast", "more vibrant", "slightly more clarity"),
}
LOOK_NAMES: dict[str, str] = {
    "golden hour": "golden hour", "golden-hour": "golden hour", "golden": "golden hour", "sunset": "golden hour",
    "warm golden light": "golden hour", "moody": "moody", "moodier": "moody", "dark and moody": "moody",
    "airy": "airy", "light and airy": "airy", "bright and airy": "airy", "airier": "airy", "matte": "matte",
    "faded film": "matte", "film": "film", "filmic": "film", "analogue": "film", "analog": "film",
    "film like": "film", "cinematic": "film", "dramatic": "dramatic", "more dramatic": "dramatic",
    "drama": "dramatic", "vintage": "vintage", "retro": "vintage", "old photo": "vintage",
    "high key": "high key", "high-key": "high key", "highkey": "high key",
    "low key": "low key", "low-key": "low key", "lowkey": "low key",
    "pop": "pop", "more pop": "pop", "pops": "pop", "poppy": "pop", "make it pop": "pop",
}

# Words dropped before a clause is matched; ``SOFT_FILLERS`` only on a second try (they carry
# meaning in some phrases: "neutral colours", "more colour").
FILLERS = ("please", "make", "it", "its", "this", "that", "the", "photo", "image", "picture", "shot", "photograph",
           "overall", "a", "an", "just", "only", "bit", "give", "go", "for", "get", "me", "i", "want", "would",
           "like", "could", "you", "can", "some", "little", "look", "looking", "style", "feel", "all", "whole",
           "by", "of", "in", "to", "is", "be", "should", "there", "now")
SOFT_FILLERS = ("tones", "colours", "colour", "look", "feel", "mood", "lighting", "light", "areas", "parts",
                "levels", "effect", "vibe", "white balance", "wb", "skin", "sky", "everything", "scene")
