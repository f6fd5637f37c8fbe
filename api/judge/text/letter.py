"""The letter around a reply: its greeting line, sign-off line, the sender's name line and the names in them.

The one vocabulary of salutations and sign-offs: the judge's greeting and sign-off signals, the curt-reply
check, the local rewrite and the model's guard all read a letter through this module.
"""

import re
from dataclasses import dataclass

from api.judge.text.sentences import NAME, NAME_LINE, matching_copy
from api.schemas import CoachContext

SALUTATION = r"(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings)"
# Longer phrases first, so "Many thanks, Dana" is read as "Many thanks" signed by Dana.
SIGN_OFF = (
    r"(?:many thanks|thanks again|thank you again|best of luck|all the best|take care|talk soon|"
    r"with (?:gratitude|thanks|appreciation)|(?:with )?(?:best|kind|kindest|warm|warmest|many|my best)(?: regards| wishes)?|"
    r"regards|sincerely|yours(?: sincerely| truly| faithfully)?|respectfully|cheers|warmly|gratefully|thanks|thank you)\b"
)
# What the judge's greeting and sign-off signals match, in a sentence framed by line breaks: a sign-off
# alone on its line ("Best regards,"), or a name after a dash ("-- Sam", "— Sam" in the matching copy).
SIGNAL_PATTERNS: dict[str, list[str]] = {
    "greeting": [rf"^\s*{SALUTATION}\b"],
    "sign_off": [rf"^\s*{SIGN_OFF}\s*[,.!]?\s*(?:\n|$)", r"^\s*-{1,2}\s*[A-Z][a-z]+"],
}
_SIGN_OFF_ALONE, _DASH_NAME = (re.compile(p, re.IGNORECASE | re.MULTILINE) for p in SIGNAL_PATTERNS["sign_off"])
# A greeting opens a sentence: the salutation, who it addresses, then a comma, colon or exclamation mark.
_GREETING = re.compile(rf"^[ \t]*(?P<salutation>{SALUTATION})\b(?P<addressed>[^,\n:!?]{{0,50}})[,:!][ \t]*", re.IGNORECASE)
# ... or it is a line of its own without one ("Hi Dana", "Hello.").
_GREETING_ALONE = re.compile(rf"^[ \t]*(?P<salutation>{SALUTATION})\b(?P<addressed>(?:[ \t]+(?-i:{NAME}))?)[ \t]*[.!]?[ \t]*$", re.IGNORECASE)
_GREETING_LINE = re.compile(rf"^[ \t]*{SALUTATION}\b[^\n]*", re.IGNORECASE | re.MULTILINE)
# A line that signs with the sign-off and the name together ("Thanks, Dana"), or the sign-off alone.
_SIGN_OFF_LINE = re.compile(rf"^\s*{SIGN_OFF}\s*[,.!-]?\s*(?P<rest>.*)$", re.IGNORECASE)
_NAME_ONLY = re.compile(rf"^(?P<name>{NAME})$")
# Punctuation, emoji and spaces after a name ("Hi Dana 👋,").
_AFTER_NAME = re.compile(r"[\W_]+$")
# Words that fill the place of a name without being one ("Hi all", "Dear Hiring Team", "Thanks, everyone").
_NOT_NAMES = frozenset(
    "team there all everyone hiring manager recruiter sir madam folks guys hr the talent recruiting "
    "you regards thanks good best cheers bye goodbye take all kind warm sincerely yours love later ok okay "
    "fine noted sure whatever regardless anyway seriously honestly".split()
)
GREETING_SEARCH_CHARS = 300


@dataclass(frozen=True)
class Greeting:
    """The greeting at the start of a sentence: text == sentence[:end]."""

    text: str
    salutation: str
    name: str | None
    end: int


@dataclass(frozen=True)
class Names:
    recipient: str | None
    sender: str | None
    company: str | None
    role: str | None


def greeting(sentence: str) -> Greeting | None:
    """The greeting that opens a sentence ("Dear Ms. Okafor," "Hi all!" "Hi Dana"), or None."""
    match = _GREETING.match(sentence) or _GREETING_ALONE.match(sentence)
    if not match:
        return None
    return Greeting(match.group().strip(), match.group("salutation"), _name_in(match.group("addressed")), match.end())


def is_greeting_line(sentence: str) -> bool:
    """Whether the whole sentence is a greeting and nothing else."""
    found = greeting(sentence)
    if found is None:
        return False
    rest = _AFTER_NAME.sub("", sentence[found.end:].strip())
    return not rest or _NAME_ONLY.match(rest) is not None  # "Hello, Dana!"


def greeting_name(text: str) -> str | None:
    """The name on the first greeting line near the top of a message ("Dear Ms. Okafor," gives "Ms. Okafor")."""
    head = text[:GREETING_SEARCH_CHARS]
    for line in _GREETING_LINE.finditer(head):
        found = greeting(line.group())
        if found is not None:
            return found.name
    return None


def is_sign_off(sentence: str, starts_line: bool = True) -> bool:
    """Whether a sentence is a sign-off on its own ("Best,", "Cheers", "Thanks again,", or "— Sam" when it
    starts a line: after a sentence on the same line, "— Sam" may be a dash in the sentence)."""
    plain = matching_copy(sentence) + "\n"
    return _SIGN_OFF_ALONE.match(plain) is not None or (starts_line and _DASH_NAME.match(plain) is not None)


def signature_name(text: str) -> str | None:
    """The name under the sign-off at the end of a message ("Best,\\nDana", "Thanks, Dana", "— Sam")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        sign_off = _SIGN_OFF_LINE.match(matching_copy(lines[index]))
        if not sign_off:
            continue
        rest = lines[index][sign_off.start("rest"):].strip()
        if rest and not NAME_LINE.match(rest):
            continue  # "Thanks for letting me know." is a sentence, not a sign-off
        return _signing_name(rest or (lines[index + 1] if index + 1 < len(lines) else ""))
    # No sign-off, but a name alone on the last line ("Fine.\n\nPriya", "— Sam") still signs the message.
    if len(lines) >= 2:
        return _signing_name(lines[-1])
    return None


def find_names(draft: str, context: CoachContext) -> Names:
    """Who the reply is to and from: the context first, then the draft's greeting and signature, then the
    received message's signature and greeting."""
    received = context.received_message or ""
    recipient = context.recipient_name or greeting_name(draft) or (signature_name(received) if received else None)
    sender = context.sender_name or signature_name(draft) or (greeting_name(received) if received else None)
    return Names(recipient=_clean(recipient), sender=_clean(sender), company=_clean(context.company),
                 role=_clean(context.role))


def _name_in(addressed: str) -> str | None:
    candidate = _AFTER_NAME.sub("", addressed.strip())
    match = _NAME_ONLY.match(candidate)
    if not match or match.group("name").split()[0].lower() in _NOT_NAMES:
        return None
    return match.group("name")


def _signing_name(line: str) -> str | None:
    match = NAME_LINE.match(line)
    if not match or _SIGN_OFF_LINE.match(match.group("name")) or match.group("name").split()[0].lower() in _NOT_NAMES:
        return None
    return match.group("name").strip()


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
