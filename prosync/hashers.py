"""Argon2 with light parameters for the test run only: the same algorithm and hash format,
without spending a second of CPU on each of the many test users."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
