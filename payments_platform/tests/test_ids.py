"""Public ids: prefixed, 24 characters of [A-Za-z0-9], unguessable and uniformly drawn."""

import re
import string
from collections import Counter

from payments_platform.api.ids import new_public_id

ALPHABET = string.ascii_letters + string.digits


def test_a_public_id_is_its_prefix_and_24_alphanumeric_characters():
    assert re.fullmatch(r"wal_[A-Za-z0-9]{24}", new_public_id("wal"))


def test_ten_thousand_public_ids_are_all_different():
    assert len({new_public_id("je") for _ in range(10_000)}) == 10_000


def test_public_id_characters_are_uniform_over_the_alphabet():
    counts = Counter("".join(new_public_id("x")[2:] for _ in range(4_000)))
    expected = 4_000 * 24 / len(ALPHABET)

    chi_squared = sum((counts[character] - expected) ** 2 / expected for character in ALPHABET)

    # 61 degrees of freedom: above 152 happens once in a billion runs of a uniform draw. Taking
    # `byte % 62` without dropping bytes >= 248 (8 characters 25% likelier) scores about 700.
    assert set(counts) == set(ALPHABET)
    assert chi_squared < 152
