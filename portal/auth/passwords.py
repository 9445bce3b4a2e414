"""Password hashing with argon2id, and the rules a new password must meet."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# argon2id as OWASP's Password Storage Cheat Sheet configures it: 19 MiB of memory, 2
# iterations, 1 lane. The library's defaults (RFC 9106's low-memory profile: 64 MiB, t=3, p=4)
# cost 0.5-0.8 s of a 2-core server per check, so 50 people signing in at once queued for
# seconds. Hashes made with other parameters are replaced at the next successful sign-in.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM
)
# Verified against when no account matches, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")

MIN_LENGTH = 12  # NCSC: length, no composition rules, no forced expiry
MAX_LENGTH = 128

# The 30,000 most common passwords, shipped inside the zxcvbn package (never fetched), and a
# few this service's users would be tempted by.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(
    {
        "safeguarding",
        "safeguarding1",
        "safeguarding123",
        "childprotection",
        "practicereview",
        "accreditation",
        "administrator",
        "password1234",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than ours (or another algorithm)."""
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, or None (NCSC: length over complexity)."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    squashed = "".join(lowered.split())
    if lowered in COMMON_PASSWORDS or squashed in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "Password is too easy to guess: use three random words"
    if email and lowered == email.lower():
        return "Password must not be your email address"
    if name and lowered.replace(" ", "") == name.lower().replace(" ", ""):
        return "Password must not be your name"
    return None


def fingerprint(password_hash: str | None) -> str:
    """A short value that changes whenever the password does, to make reset links single-use."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
