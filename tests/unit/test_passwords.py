"""Password hashing and policy."""
import pytest

from webapp.services.passwords import hash_password, password_problem, verify_password

# The production argon2 settings, not the suite's cheap ones.
pytestmark = pytest.mark.real_password_hashing

def test_hash_is_argon2id_and_verifies():
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert "m=19456" in hashed and "t=2" in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")


def test_same_password_gets_different_salts():
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


def test_garbage_hash_never_verifies():
    assert verify_password("not-a-hash", "whatever") is False
    assert verify_password("", "") is False


@pytest.mark.parametrize("password", ["short", "1234567", "", "password", "Password1", "12345678", "aaaaaaaaaaaa",
                                      "abababababab", "x" * 257])
def test_weak_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_email_as_password_is_refused():
    assert password_problem("ann@example.com", "ann@example.com") is not None


@pytest.mark.parametrize("password", ["correct horse battery", "Tr0ub4dor&3x", "ünïcødé pässwörd"])
def test_reasonable_passwords_pass(password):
    assert password_problem(password, "ann@example.com") is None
