"""A scanner left in 한글 mode: Hangul typed on the standard 2-set (두벌식) layout → the
Latin keys that were pressed.

A keyboard-wedge scanner sends key presses; with the Korean IME on, `W`/`F` come out as
ㅈ/ㄹ, and the IME may compose consonant + vowel into syllables (`DK` → 아). Barcodes are
upper case, so every key maps to its upper-case letter: a shifted jamo (ㅃㅉㄸㄲㅆㅒㅖ) is
Shift + the same key, i.e. the same letter. Anything that is not Hangul is kept as is.
"""

from __future__ import annotations

#: Compatibility jamo (U+3131…) → the key(s) of the 2-set layout. Compound vowels and
#: final-consonant clusters are typed as two keys.
KEYS: dict[str, str] = {
    # consonants: top row Q W E R T, home row A S D F G, bottom row Z X C V
    "ㅂ": "Q", "ㅈ": "W", "ㄷ": "E", "ㄱ": "R", "ㅅ": "T",
    "ㅁ": "A", "ㄴ": "S", "ㅇ": "D", "ㄹ": "F", "ㅎ": "G",
    "ㅋ": "Z", "ㅌ": "X", "ㅊ": "C", "ㅍ": "V",
    # shifted consonants (Shift+Q W E R T)
    "ㅃ": "Q", "ㅉ": "W", "ㄸ": "E", "ㄲ": "R", "ㅆ": "T",
    # vowels: Y U I O P, H J K L, B N M
    "ㅛ": "Y", "ㅕ": "U", "ㅑ": "I", "ㅐ": "O", "ㅔ": "P",
    "ㅗ": "H", "ㅓ": "J", "ㅏ": "K", "ㅣ": "L",
    "ㅠ": "B", "ㅜ": "N", "ㅡ": "M",
    # shifted vowels (Shift+O P)
    "ㅒ": "O", "ㅖ": "P",
    # compound vowels
    "ㅘ": "HK", "ㅙ": "HO", "ㅚ": "HL", "ㅝ": "NJ", "ㅞ": "NP", "ㅟ": "NL", "ㅢ": "ML",
    # final-consonant clusters
    "ㄳ": "RT", "ㄵ": "SW", "ㄶ": "SG", "ㄺ": "FR", "ㄻ": "FA", "ㄼ": "FQ",
    "ㄽ": "FT", "ㄾ": "FX", "ㄿ": "FV", "ㅀ": "FG", "ㅄ": "QT",
}  # fmt: skip

# The order of initials, medials and finals in a precomposed syllable (Unicode §3.12).
INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]
SYLLABLE_FIRST, SYLLABLE_LAST = 0xAC00, 0xD7A3
# Conjoining jamo (U+1100…, what some IMEs commit while composing) → compatibility jamo.
_CONJOINING = {
    **{chr(0x1100 + i): c for i, c in enumerate(INITIALS)},
    **{chr(0x1161 + i): c for i, c in enumerate(MEDIALS)},
    **{chr(0x11A8 + i): c for i, c in enumerate(FINALS[1:])},
}


def _jamo(char: str) -> str:
    """A syllable → its jamo (initial, medial, final); a jamo → itself."""
    code = ord(char)
    if SYLLABLE_FIRST <= code <= SYLLABLE_LAST:
        index = code - SYLLABLE_FIRST
        initial, rest = divmod(index, len(MEDIALS) * len(FINALS))
        medial, final = divmod(rest, len(FINALS))
        return INITIALS[initial] + MEDIALS[medial] + FINALS[final]
    return _CONJOINING.get(char, char)


def has_hangul(text: str) -> bool:
    return any(ch in KEYS or _jamo(ch) != ch for ch in text)


def to_latin(text: str) -> str:
    """What the keys typed: `ㅈㄹ-ㅏㄱ-251110ㅇ-001` → `WF-KR-251110D-001`."""
    return "".join(KEYS.get(jamo, jamo) for ch in text for jamo in _jamo(ch))
