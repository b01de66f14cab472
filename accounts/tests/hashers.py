"""A cheaper bcrypt for tests: the same algorithm and format, 2**4 rounds instead of 2**12."""

from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class FastBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    rounds = 4
