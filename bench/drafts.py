"""Realistic reply drafts, varied so no cache along the request path sees the same text twice in a row."""

import random

_OPENINGS = [
    "Hi {name},",
    "Dear {name},",
    "Hello {name},",
    "Hi {name}, thank you for the update.",
]
_THANKS = [
    "Thank you for letting me know about your decision on the {role} role, and for the time you and the team spent with me over the last few weeks.",
    "Thanks for getting back to me about the {role} position. I know these decisions take effort, and I appreciate you telling me directly.",
    "I appreciate you taking the time to let me know where things landed for the {role} opening at {company}.",
    "Thank you for the quick and considerate note about the {role} role; it was kind of you to write personally.",
]
_FEELINGS = [
    "Of course I am disappointed, because I was genuinely excited about the work your team is doing on the platform.",
    "I won't pretend it isn't disappointing, but I understand that you had a strong group of candidates to choose from.",
    "It is a little disappointing to hear, honestly, since the conversations with the engineers were some of the best I have had this year.",
    "I was hoping for a different outcome, but I respect the decision and the care that clearly went into it.",
]
_MEMORIES = [
    "I especially enjoyed the system design session with Priya, where we talked through how to migrate the billing service without downtime.",
    "The pairing exercise was a highlight for me; working through the flaky test suite together felt like a real day on the job.",
    "Meeting the data team and hearing about the roadmap for the analytics pipeline taught me a lot about how {company} thinks about quality.",
    "I learned something from every interview, particularly the discussion about on-call practices and how the team keeps incidents blameless.",
]
_FEEDBACK = [
    "If you have a moment, I would be grateful for any feedback on where I could have been stronger; no pressure at all if that isn't possible.",
    "If there is any feedback you are able to share, I would welcome it, since I am always trying to improve how I present my experience.",
    "Should you be able to share a few notes on my interviews, I would find them really useful, but I understand if company policy does not allow it.",
    "",
]
_DOOR = [
    "I would love to stay in touch, and please keep me in mind if another role opens up that fits my background.",
    "I remain very interested in {company}, so I hope our paths cross again, and I will keep an eye on future openings.",
    "Please do keep my details on file; I would be glad to be considered for similar positions in the future.",
    "I would be happy to connect on LinkedIn and hope we get the chance to work together at some point down the road.",
]
_CLOSINGS = [
    "Wishing you and the team all the best with the launch this spring.",
    "Thanks again for everything, and good luck with the rest of the hiring process.",
    "I hope the new hire is a great fit, and that the quarter goes smoothly for everyone.",
    "All the best to you and the team, and thank you once more for a thoughtful process.",
]
_FILLERS = [
    "Looking back, the process was well organised and everyone was friendly and clear about the next steps at each stage.",
    "I also appreciated how quickly the recruiting team responded to my questions about scheduling and the take-home exercise.",
    "The take-home project was challenging in a good way, and I ended up learning a new approach to caching along the way.",
    "It was clear from every conversation that people at {company} care about their colleagues and about the craft.",
    "I have already started working on a couple of the areas we discussed, particularly distributed tracing and capacity planning.",
]
_SIGNOFFS = ["Best regards,\n{sender}", "Kind regards,\n{sender}", "Warmly,\n{sender}", "All the best,\n{sender}"]
_NAMES = ["Sarah", "Daniel", "Ms. Okafor", "Tomás", "Mei", "Jordan", "Mr. Lindqvist", "Aisha"]
_SENDERS = ["Alex Morgan", "Sam Rivera", "Chris Patel", "Jamie Chen", "Robin Novak"]
_COMPANIES = ["Northwind", "Acme Analytics", "Brightpath", "Lumen Labs", "Kestrel Systems"]
_ROLES = ["Senior Backend Engineer", "Data Engineer", "Platform Engineer", "Staff Engineer", "SRE"]


def _words(text: str) -> int:
    return len(text.split())


def _compose(rng: random.Random, min_words: int, max_words: int) -> str:
    slots = {"name": rng.choice(_NAMES), "sender": rng.choice(_SENDERS),
             "company": rng.choice(_COMPANIES), "role": rng.choice(_ROLES)}
    body = [rng.choice(_THANKS), rng.choice(_FEELINGS), rng.choice(_MEMORIES), rng.choice(_FEEDBACK),
            rng.choice(_DOOR), rng.choice(_CLOSINGS)]
    body = [sentence for sentence in body if sentence]
    fillers = rng.sample(_FILLERS, len(_FILLERS))
    # Insert filler sentences until the draft reaches the requested length; never past the maximum.
    while fillers and _words(" ".join(body)) < min_words:
        candidate = fillers.pop()
        if _words(" ".join(body)) + _words(candidate) > max_words:
            continue
        body.insert(rng.randint(1, len(body) - 1), candidate)
    opening = rng.choice(_OPENINGS).format(**slots)
    paragraph = " ".join(body).format(**slots)
    signoff = rng.choice(_SIGNOFFS).format(**slots)
    return f"{opening}\n\n{paragraph}\n\n{signoff}"


def draft_pool(count: int = 50, min_words: int = 120, max_words: int = 180, seed: int = 7) -> list[str]:
    """`count` distinct drafts of min_words..max_words words (body plus greeting and sign-off)."""
    rng = random.Random(seed)
    pool: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 50):  # bounded: the sentence bank allows thousands of combinations
        if len(pool) == count:
            break
        text = _compose(rng, min_words, max_words)
        if text in seen or not min_words <= _words(text) <= max_words:
            continue
        seen.add(text)
        pool.append(text)
    if len(pool) < count:
        raise RuntimeError(f"could only compose {len(pool)} drafts of {min_words}-{max_words} words")
    return pool


def exact_length_pool(count: int = 50, words: int = 150, seed: int = 11) -> list[str]:
    """Drafts of exactly `words` words: composed a little long, then cut before the sign-off."""
    result = []
    for text in draft_pool(count, words + 5, words + 60, seed):
        head, _, signoff = text.rpartition("\n\n")
        budget = words - _words(signoff)
        tokens = head.split(" ")
        # Cut on word boundaries, keeping the newlines after the greeting.
        kept, used = [], 0
        for token in tokens:
            used += _words(token)
            if used > budget:
                break
            kept.append(token)
        cut = " ".join(kept).rstrip(",;")
        if not cut.endswith("."):
            cut += "."
        result.append(f"{cut}\n\n{signoff}")
    return result
