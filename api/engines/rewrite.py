"""The local rewrite: the draft's own salvageable sentences, plus what a graceful reply needs.

Sentences that break a principle are dropped; greeting, thanks, acceptance, door-open line,
optional feedback ask, stay-in-touch line and sign-off are added only where the draft lacks them.
Names come from the context, the draft or the received message, never from thin air.
"""

import html
import re
import tomllib
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

from api.judge import Draft, Finding, run_rules
from api.judge.detectors import model_doubts
from api.judge.detectors.signals import shows
from api.judge.text import letter
from api.judge.text.letter import Names, find_names
from api.judge.text.sentences import NAME_LINE, Span, word_count, words
from api.judge.text.sentiment import sentiment
from api.schemas import CoachContext

MAX_REWRITE_WORDS = 180
_PHRASES: dict[str, list[str]] = tomllib.loads(
    resources.files("api.engines.data").joinpath("phrases.toml").read_text("utf-8")
)
# Lines that talk to a machine or carry markup are not part of a letter to a person.
_NOT_A_LETTER = re.compile(
    r"<\s*/?\s*[a-z!][^>]*>|\b(?:ignore|disregard) (?:all |any |the )?(?:previous|prior|above)|\binstructions?\b|"
    r"\b(?:system|assistant|user)\s*:|\bprompt\b|\b(?:rate|score) (?:this|me|my)\b|\b(?:AI|LLM|model|chatbot)\b|"
    r"[{}\[\]`#*_|]{2,}|https?://|\bjson\b",
    re.IGNORECASE,
)
_HIDDEN_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6])\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<\s*/?\s*[a-z][^>]*>", re.IGNORECASE)
_DOUBLED_FULL_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
# The parts of a graceful reply the rewrite fills in, and the signal tag that shows each one.
_SLOT_TAGS = {
    "thanks": "thanks", "acceptance": "acceptance", "growth": "growth", "door_open": "door_open",
    "feedback": "feedback_ask", "networking": "stay_in_touch",
}


@dataclass(frozen=True)
class _Parts:
    greeting: letter.Greeting | None
    body: list[str]
    sign_off: str | None
    # False for "... again! – Dev": a letter that signs inside its last line is laid out afresh.
    sign_off_on_own_line: bool = True


def local_rewrite(draft_text: str, context: CoachContext | None = None, draft_findings: list[Finding] | None = None) -> str:
    """A graceful reply built from the draft; see the module docstring for what it keeps and adds.

    Pass the draft's findings when they are already known, to save running the rules again.
    """
    context = context or CoachContext()
    plain = _without_markup(draft_text)
    if plain != draft_text:
        # A draft pasted as HTML is rewritten as the letter it shows, not its tags.
        return local_rewrite(plain, context)
    names = find_names(draft_text, context)
    draft = Draft(draft_text, context)
    all_findings = draft_findings if draft_findings is not None else run_rules(draft)
    findings = [f for f in all_findings if f.breaks_principle or "rewrite_drops" in f.tags]
    # When in doubt, leave it out: a sentence the sentence model is unsure of is not kept either,
    # and in a draft that went wrong the model's doubts count sooner.
    doubts = model_doubts(draft, broken=any(f.breaks_principle for f in findings))
    parts = _split_parts(draft, findings, doubts)
    seed = zlib.crc32(draft_text.encode("utf-8"))
    if not any(f.breaks_principle for f in findings):
        touched = _light_touch(draft, parts, names, context, seed)
        if not any(f.breaks_principle for f in run_rules(Draft(touched, context))):
            return touched
    body = list(parts.body)
    for _ in range(3):
        text = _compose(parts, body, names, context, seed)
        composed = Draft(text, context)
        leftover = [f for f in run_rules(composed) if f.breaks_principle]
        leftover += [Finding("sentence_model.doubt", "tone", "info", "", None, s.start, s.end, s.text)
                     for s in model_doubts(composed)]
        if not leftover:
            return text
        body = [s for s in body if not _sentence_trips(s, leftover, text)]
    return _compose(_Parts(None, [], None), [], names, context, seed)


def _split_parts(draft: Draft, findings: list[Finding], doubts: list[Span]) -> _Parts:
    sentences = list(draft.sentences)
    opening = letter.greeting(sentences[0].text) if sentences else None
    if opening:
        first = sentences[0]
        rest = first.text[opening.end:]
        offset = first.start + opening.end
        sentences[0:1] = [Span(offset, offset + len(rest), rest)] if rest.strip() else []
    sign_off, sign_off_on_own_line = None, False
    tail = sentences[-2:]
    for index, sentence in enumerate(tail):
        # "— Sam" after a sentence on the same line signs only at the very end ("... again! – Dev").
        own_line = _starts_a_line(draft.text, sentence)
        if letter.is_sign_off(sentence.text, starts_line=own_line or index == len(tail) - 1):
            sign_off, sign_off_on_own_line = sentence.text, own_line or not sentence.text.lstrip().startswith(("-", "\u2013", "\u2014"))
            del sentences[len(sentences) - len(tail) + index:]
            break
    if sign_off is None and sentences and NAME_LINE.match(sentences[-1].text) and len(sentences) > 1:
        sentences.pop()
    draft_broke_a_principle = any(f.breaks_principle for f in findings)
    body = [
        _capitalised(s.text)
        for s in sentences
        if not _overlaps(s, findings) and not _NOT_A_LETTER.search(s.text) and not NAME_LINE.match(s.text)
        and not any(d.start < s.end and s.start < d.end for d in doubts) and not letter.is_greeting_line(s.text)
        # In a draft that went wrong, neutral filler ("Got your email.") and hard-luck detail do not
        # survive; in a good draft every clean sentence is the candidate's voice and stays.
        and (not draft_broke_a_principle or _is_slot_sentence(s.text) or sentiment(s.text) >= 0.3)
    ]
    greeting_span = (draft.sentences[0].start, draft.sentences[0].start + len(opening.text)) if opening else (0, 0)
    clean_greeting = opening if opening and not any(
        f.start is not None and f.start < greeting_span[1] and greeting_span[0] < f.end  # type: ignore[operator]
        for f in findings
    ) and not _NOT_A_LETTER.search(opening.text) else None
    return _Parts(greeting=clean_greeting, body=list(dict.fromkeys(body)), sign_off=sign_off,
                  sign_off_on_own_line=sign_off_on_own_line)


def _compose(parts: _Parts, body: list[str], names: Names, context: CoachContext, seed: int) -> str:
    phrase = _phrase_picker(names, seed)
    by_slot: dict[str, list[str]] = {slot: [] for slot in [*_SLOT_TAGS, "content"]}
    for sentence in body:
        slot = next((slot for slot, tag in _SLOT_TAGS.items() if shows(sentence, tag)), "content")
        by_slot[slot].append(sentence)

    # An added line never restates what the letter already says ("letting me know" twice).
    said = list(body)

    def slot_or_phrase(slot: str) -> list[str]:
        if by_slot[slot]:
            return by_slot[slot]
        said.append(phrase(slot, said))
        return [said[-1]]

    # What the candidate learned or enjoyed is theirs to say: kept when written, never added.
    opening = slot_or_phrase("thanks") + slot_or_phrase("acceptance") + by_slot["growth"]
    closing = slot_or_phrase("door_open")
    if context.ask_for_feedback is not False:
        closing += slot_or_phrase("feedback")
    closing += slot_or_phrase("networking")
    mentioned = " ".join(opening + closing)
    if len(closing) < 2 or (names.company and names.company not in mentioned):
        closing.append(phrase("wish", said))

    kept = _within_budget(opening, by_slot["content"], closing)
    return _letter(parts, names, phrase, opening + kept, closing)


def _light_touch(draft: Draft, parts: _Parts, names: Names, context: CoachContext, seed: int) -> str:
    """A draft that breaks nothing keeps its words; only missing essentials are added, long ones trimmed."""
    phrase = _phrase_picker(names, seed)
    # What the kept sentences say, not the draft: a thanks in a sentence left out is no thanks.
    text = " ".join(parts.body)
    said = list(parts.body)
    opening = [] if shows(text, _SLOT_TAGS["thanks"]) else [phrase("thanks", said)]
    closing = [] if shows(text, _SLOT_TAGS["door_open"]) else [phrase("door_open", said)]
    if context.ask_for_feedback and not shows(text, _SLOT_TAGS["feedback"]):
        closing.append(phrase("feedback", said))
    budget = MAX_REWRITE_WORDS - 8 - sum(word_count(s) for s in opening + closing)
    body = _trimmed(list(parts.body), budget)
    if not opening and not closing and len(body) == len(parts.body) and parts.sign_off and parts.sign_off_on_own_line:
        return draft.text.strip()
    return _letter(parts, names, phrase, opening + body, closing)


def _trimmed(body: list[str], budget: int) -> list[str]:
    """The body within budget words: the longest sentences go first (the earliest of equals), those
    that fill no part of a graceful reply before those that do. Each sentence is read once, so a
    draft of thousands of lines costs no more than its length."""
    sizes = [word_count(s) for s in body]
    total = sum(sizes)
    if total <= budget:
        return body
    slot = [_is_slot_sentence(s) for s in body]
    dropped: set[int] = set()
    for index in sorted(range(len(body)), key=lambda i: (slot[i], -sizes[i], i)):
        if total <= budget:
            break
        dropped.add(index)
        total -= sizes[index]
    return [s for i, s in enumerate(body) if i not in dropped]


def _phrase_picker(names: Names, seed: int) -> Callable[..., str]:
    """Picks one variant of each added part, by the draft's own text, filled with the given names:
    the first, from a place the draft chooses, that repeats no three words of what is already said."""
    fill = _fill_values(names)
    given = [names.company, names.role, names.recipient]

    def phrase(kind: str, said: Sequence[str] = ()) -> str:
        variants = [v.format(**fill) for v in _PHRASES[kind]]
        first = (seed + zlib.crc32(kind.encode())) % len(variants)
        ordered = variants[first:] + variants[:first]
        taken = set().union(*(word_triples(s, given) for s in said))
        return next((v for v in ordered if not word_triples(v, given) & taken), ordered[0])

    return phrase


def word_triples(sentence: str, names: Sequence[str | None] = ()) -> set[tuple[str, ...]]:
    """Every run of three words in the sentence, names left out (a company named twice is no repeat)."""
    for name in filter(None, names):
        sentence = sentence.replace(name, "|")
    triples: set[tuple[str, ...]] = set()
    for part in sentence.lower().replace("\u2019", "'").split("|"):
        tokens = words(part)
        triples.update(zip(tokens, tokens[1:], tokens[2:], strict=False))
    return triples


def _letter(parts: _Parts, names: Names, phrase: Callable[..., str], body: list[str], closing: list[str]) -> str:
    """Greeting, body, closing lines and signature, as paragraphs."""
    greeting = _greeting(parts.greeting, names, phrase)
    sign_off = parts.sign_off or phrase("sign_off", body + closing)
    signature = f"{sign_off}\n{names.sender}" if names.sender and names.sender not in sign_off else sign_off
    paragraphs = [greeting, " ".join(body), " ".join(closing), signature]
    # A name ending in a full stop ("Baltic Print Co.") at the end of a sentence needs no second one.
    return _DOUBLED_FULL_STOP.sub(".", "\n\n".join(p for p in paragraphs if p))


def _greeting(draft_greeting: letter.Greeting | None, names: Names, phrase: Callable[..., str]) -> str:
    if names.recipient and (draft_greeting is None or names.recipient not in draft_greeting.text):
        # The candidate's own salutation ("Hi", "Dear"), with the name exactly as given.
        if draft_greeting and draft_greeting.salutation.lower() != "greetings":
            return f"{draft_greeting.salutation} {names.recipient},"
        return phrase("greeting_named")
    if draft_greeting:
        text = draft_greeting.text
        return text if text.endswith((",", ":", "!")) else text.rstrip(".") + ","
    return phrase("greeting_unnamed")


def _within_budget(opening: list[str], body: list[str], closing: list[str]) -> list[str]:
    budget = MAX_REWRITE_WORDS - 8 - sum(word_count(s) for s in opening + closing)
    kept: list[str] = []
    for sentence in body:
        size = word_count(sentence)
        if size <= budget:
            kept.append(sentence)
            budget -= size
    return kept


def _fill_values(names: Names) -> dict[str, str]:
    return {
        "company_suffix": f" at {names.company}" if names.company else "",
        "role_phrase": f" during the process for the {names.role} role" if names.role else "",
        "role_position": f"the {names.role} position" if names.role else "the position",
        "name": names.recipient or "",
    }


def _is_slot_sentence(sentence: str) -> bool:
    return any(shows(sentence, tag) for tag in _SLOT_TAGS.values())


def _overlaps(sentence: Span, findings: list[Finding]) -> bool:
    return any(f.start is not None and f.start < sentence.end and sentence.start < f.end for f in findings)  # type: ignore[operator]


def _sentence_trips(sentence: str, findings: list[Finding], text: str) -> bool:
    start = text.find(sentence)
    return start >= 0 and any(
        f.start is None or (f.start < start + len(sentence) and start < f.end)  # type: ignore[operator]
        for f in findings
    )


def _without_markup(text: str) -> str:
    if "<" not in text:
        return text
    without = _TAG.sub("", _LINE_BREAK_TAG.sub("\n", _HIDDEN_MARKUP.sub("", text)))
    without = html.unescape(without)
    return "\n".join(line.strip() for line in without.splitlines()).strip() or text


def _starts_a_line(text: str, sentence: Span) -> bool:
    before = text[:sentence.start].rstrip(" \t")
    return not before or before.endswith("\n")


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:] if sentence[:1].islower() else sentence
