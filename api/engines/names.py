"""Names a rewrite may use: only ones given in the context, the draft or the received message."""

import re
from dataclasses import dataclass

from api.judge.text.sentences import NAME, NAME_LINE
from api.schemas import CoachContext

_GREETING = re.compile(rf"^\s*(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))[ \t]+(?P<name>{NAME})[ \t]*[,:!\n]", re.IGNORECASE | re.MULTILINE)
_SIGN_OFF_LINE = re.compile(
    r"^\s*(?:(?:with )?(?:best|kind|kindest|warm|warmest|many|my best)(?: regards| wishes)?|regards|sincerely|"
    r"yours(?: sincerely| truly| faithfully)?|respectfully|cheers|warmly|thanks again|thank you again|"
    r"many thanks|with (?:gratitude|thanks|appreciation)|take care|all the best|talk soon|gratefully|"
    r"thanks|thank you|best of luck)\s*[,.!-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    "team there all everyone hiring manager recruiter sir madam folks guys hr the talent recruiting "
    "you regards thanks good best cheers bye goodbye take all kind warm sincerely yours love later ok okay "
    "fine noted sure whatever regardless anyway seriously honestly".split()
)


@dataclass(frozen=True)
class Names:
    recipient: str | None
    sender: str | None
    company: str | None
    role: str | None


def greeting_name(text: str) -> str | None:
    """The name after 'Dear'/'Hi' on the first greeting line, if it looks like a name."""
    match = _GREETING.search(text[:300])
    if not match:
        return None
    name = match.group("name").strip().rstrip(".")
    if name.split()[0].lower() in _NOT_NAMES:
        return None
    return name


def signature_name(text: str) -> str | None:
    """The name under the sign-off at the end of a message ('Best,\\nDana' or 'Thanks, Dana')."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for index in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        sign_off = _SIGN_OFF_LINE.match(lines[index])
        if not sign_off:
            continue
        rest = sign_off.group("rest").strip()
        if rest and not NAME_LINE.match(rest):
            continue  # "Thanks for letting me know." is a sentence, not a sign-off
        candidate = rest if rest else (lines[index + 1] if index + 1 < len(lines) else "")
        name_match = NAME_LINE.match(candidate)
        if name_match and name_match.group("name").split()[0].lower() not in _NOT_NAMES:
            return name_match.group("name").strip()
        return None
    # No sign-off, but a name alone on the last line ("Fine.\n\nPriya") still signs the message.
    if len(lines) >= 2 and not _SIGN_OFF_LINE.match(lines[-1]):
        name_match = NAME_LINE.match(lines[-1])
        if name_match and name_match.group("name").split()[0].lower() not in _NOT_NAMES:
            return name_match.group("name").strip()
    return None


def find_names(draft: str, context: CoachContext) -> Names:
    received = context.received_message or ""
    recipient = context.recipient_name or greeting_name(draft) or (signature_name(received) if received else None)
    sender = context.sender_name or signature_name(draft) or (greeting_name(received) if received else None)
    return Names(
        recipient=_clean(recipient),
        sender=_clean(sender),
        company=_clean(context.company),
        role=_clean(context.role),
    )


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
