"""The password rule of tracker accounts (docs/tracker.md): long enough, not a common
password or keyboard pattern, and not the e-mail address's name. Pure: no I/O."""

from __future__ import annotations

from deo.core import DeoError
from deo.i18n import _

MIN_PASSWORD = 12
MAX_PASSWORD = 256
#: Passwords refused whatever their length: the most common ones and keyboard patterns
#: (compared in lower case, after removing trailing digits and punctuation).
COMMON_PASSWORDS = frozenset((
    "password", "passw0rd", "password1", "passwordpassword", "p@ssw0rd", "p@ssword", "letmein",
    "letmeinplease", "welcome", "welcome1", "welcometothejungle", "administrator", "admin",
    "adminadmin", "administrator1", "root", "changeme", "changemeplease", "changeit", "default",
    "secret", "supersecret", "topsecret", "qwerty", "qwertyuiop", "qwertyuiopasdf",
    "qwertyqwerty", "asdfghjkl", "asdfghjkl;", "zxcvbnm", "zxcvbnmasdf", "1q2w3e4r5t6y",
    "1qaz2wsx3edc", "qazwsxedc", "qazwsxedcrfv", "abcdefghijkl", "abcdefghijklmn",
    "abcdefghijklmnop", "iloveyou", "iloveyouforever", "trustno1", "monkey", "dragon",
    "football", "baseball", "basketball", "sunshine", "princess", "starwars", "superman",
    "batman", "whatever", "master", "mastermaster", "shadow", "michael", "jennifer", "computer",
    "internet", "security", "securepassword", "strongpassword", "mypassword", "yourpassword",
    "thisismypassword", "correcthorsebatterystaple", "ecommerce", "ecommercestrategy",
    "tracker", "deo", "deotracker", "observatory", "digitaleconomy", "unctad", "government",
    "ministry"
))


def password_problems(password: str, email: str = "") -> list[str]:
    """What makes ``password`` too weak for the account ``email`` (empty: it is fine)."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(_("the password must have at least {n} characters").format(
            n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        problems.append(_("the password must have at most {n} characters").format(
            n=MAX_PASSWORD))
    plain = password.lower().replace(" ", "")
    stem = plain.rstrip("0123456789!?.,;:-_*#@$%&+=~")
    if not stem or stem in COMMON_PASSWORDS or plain in COMMON_PASSWORDS:
        problems.append(_("the password is one of the most common passwords; choose another"))
    if len(set(plain)) < 5:
        problems.append(_("the password must use at least 5 different characters"))
    local = email.strip().lower().split("@")[0]
    if len(local) >= 3 and local in plain:
        problems.append(_("the password must not contain the e-mail address's name "
                          "({name})").format(name=local))
    return problems


def check_password(password: str, email: str) -> None:
    """Refuse ``password`` for ``email`` with every reason it is too weak."""
    problems = password_problems(password, email)
    if problems:
        raise DeoError("; ".join(problems))
