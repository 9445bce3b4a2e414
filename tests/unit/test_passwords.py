from portal.auth.passwords import (
    fingerprint,
    hash_password,
    password_problem,
    verify_password,
)


def test_passwords_are_hashed_with_argon2id_and_verify():
    hashed = hash_password("three random words")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "three random words")
    assert not verify_password(hashed, "three random word")


def test_missing_hash_never_verifies():
    assert not verify_password(None, "anything at all")


def test_short_password_is_refused():
    assert password_problem("short") == "Password must be 12 characters or more"
    assert password_problem("elevenchars") is not None


def test_common_or_repetitive_password_is_refused():
    assert password_problem("password123") is not None
    assert password_problem("aaaaaaaaaaaa") is not None


def test_password_equal_to_email_is_refused():
    assert password_problem("me@example.test", email="me@example.test") is not None


def test_long_random_words_are_accepted():
    assert password_problem("kettle orbit lantern") is None


def test_fingerprint_changes_with_the_hash():
    assert fingerprint("a") != fingerprint("b")
    assert len(fingerprint(None)) == 16


def test_long_but_common_passwords_are_refused():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    common = next(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= 12 and len(set(p)) >= 4)
    assert password_problem(common) == "Password is too easy to guess: use three random words"
    assert password_problem("Safeguarding 123") is not None  # spaces do not hide it
