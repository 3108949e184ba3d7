"""Password hashing (argon2id at OWASP's minimum: 19 MiB, t=2, p=1) and the password policy."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..blocking import off_loop

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 256
# The most common passwords of at least 8 characters (from public breach top lists).
COMMON = frozenset("""
password password1 password123 12345678 123456789 1234567890 11111111 00000000 qwertyuiop
qwerty123 iloveyou sunshine princess football baseball welcome1 welcome123 admin123 letmein1
abc12345 abcd1234 passw0rd p@ssw0rd trustno1 superman starwars whatever dragon12 monkey12
1q2w3e4r 1qaz2wsx zaq12wsx qwertyui asdfghjk 87654321 12341234 password! changeme herald123
marketing campaign1 iloveyou1 football1 baseball1 master123 shadow12 michael1 jennifer
""".split())


def hash_password(password: str) -> str:
    return off_loop(_hasher.hash, password)  # ~50 ms of C: off the web server's event loop


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return off_loop(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) <= 2:
        return "This password is too common; choose another."
    if email and lowered == email.lower():
        return "Do not use your email address as your password."
    return None
