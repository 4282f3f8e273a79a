"""The 2-set (두벌식) mapping of a scanner left in 한글 mode, checked against the layout
written out row by row (an independent copy of the keyboard, not the module's table)."""

from __future__ import annotations

import pytest
from mes_contracts.identifiers import is_lot_number
from mes_workstation.hangul import has_hangul, to_latin

pytestmark = pytest.mark.unit

# The standard 2-set keyboard: each Latin key and the jamo it types, unshifted and shifted.
ROWS = [
    ("QWERTYUIOP", "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅃㅉㄸㄲㅆㅛㅕㅑㅒㅖ"),
    ("ASDFGHJKL", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ"),
    ("ZXCVBNM", "ㅋㅌㅊㅍㅠㅜㅡ", "ㅋㅌㅊㅍㅠㅜㅡ"),
]


@pytest.mark.parametrize(("keys", "plain", "shifted"), ROWS)
def test_every_key_of_the_layout_maps_back_to_its_upper_case_letter(
    keys: str, plain: str, shifted: str
) -> None:
    assert len(keys) == len(plain) == len(shifted)
    assert to_latin(plain) == keys
    assert to_latin(shifted) == keys  # Shift+key: barcodes are upper case anyway


def test_shifted_jamo_are_the_shift_of_their_key() -> None:
    assert [to_latin(j) for j in "ㅃㅉㄸㄲㅆㅒㅖ"] == ["Q", "W", "E", "R", "T", "O", "P"]


def test_a_lot_barcode_typed_in_hangul_mode_reads_as_the_lot() -> None:
    assert to_latin("ㅈㄹ-ㅏㄱ-261202ㅜ-010") == "WF-KR-261202N-010"  # lower-case keys
    assert to_latin("ㅉㄹ-ㅏㄲ-251110ㅇ-001") == "WF-KR-251110D-001"  # Shift held (upper case)
    assert is_lot_number(to_latin("ㅈㄹ-ㅏㄱ-251110ㅇ-001"))


def test_composed_syllables_are_taken_apart_into_their_keys() -> None:
    assert to_latin("한영") == "GKSDUD"  # ㅎㅏㄴ ㅇㅕㅇ
    assert to_latin("아") == "DK"  # D then K: the IME composed them
    assert to_latin("뷁") == "QNPFR"  # ㅂ ㅞ(ㅜㅔ) ㄺ(ㄹㄱ)
    assert to_latin("값") == "RKQT"  # final cluster ㅄ = ㅂㅅ
    assert to_latin("의") == "DML"  # compound vowel ㅢ = ㅡㅣ
    assert to_latin("\u1112\u1161\u11ab") == "GKS"  # conjoining jamo (한, decomposed)


def test_compound_jamo_typed_alone() -> None:
    pairs = {"ㅘ": "HK", "ㅙ": "HO", "ㅚ": "HL", "ㅝ": "NJ", "ㅞ": "NP", "ㅟ": "NL", "ㅢ": "ML"}
    pairs |= {"ㄳ": "RT", "ㄵ": "SW", "ㄶ": "SG", "ㄺ": "FR", "ㄻ": "FA", "ㄼ": "FQ"}
    pairs |= {"ㄽ": "FT", "ㄾ": "FX", "ㄿ": "FV", "ㅀ": "FG", "ㅄ": "QT"}
    assert {j: to_latin(j) for j in pairs} == pairs


def test_anything_else_is_left_alone() -> None:
    assert to_latin("WF-KR-251110D-001") == "WF-KR-251110D-001"
    assert to_latin("wf-kr 0-9 ?!") == "wf-kr 0-9 ?!"
    assert not has_hangul("WF-KR-251110D-001")
    assert has_hangul("ㅈㄹ-KR") and has_hangul("아") and has_hangul("\u1100")
