"""Every critique rule, one good and one bad sentence each (and the traps that once tripped them)."""

import pytest

from api.rules import RULES, Draft, run_rules
from api.schemas import CoachContext
from api.scoring.tone import sentiment

GRACEFUL = (
    "Dear Ms. Rivera,\n\nThank you for letting me know. I understand your decision, and I learned a lot "
    "from our conversations. Please keep me in mind for future openings. If you have a moment, I'd welcome "
    "any feedback. I'd be glad to stay in touch on LinkedIn.\n\nBest regards,\nSam"
)
LONG_SENTENCE = (
    "I wanted to say that I really enjoyed the conversations with the team and the chance to learn about "
    "the roadmap and the way the group works together across design and engineering and research and "
    "support over the coming quarters."
)
DENSE = (
    "Notwithstanding considerable organisational disappointment, I nevertheless acknowledge the "
    "comprehensive deliberations underpinning the committee's determination regarding candidacy, "
    "appreciating institutional considerations necessitating alternative appointments. Consequently, "
    "organisational prioritisation notwithstanding, institutional collaboration opportunities remain "
    "fundamentally appealing."
)

# (rule id, sentence the rule must leave alone, sentence it must flag). Several rows per rule are
# welcome; the "good" side is deliberately close to the bad one, so a pattern that grows too
# greedy fails here before a user sees a false underline.
RULE_CASES = [
    ("reputation.insult", "Your interviewers were sharp and kind.", "Your interviewers were clueless."),
    ("reputation.insult", "I felt a bit hopeless about my chances, but I am glad I applied.",
     "What a bunch of clowns."),
    ("reputation.blame", "I reviewed my notes from the interview.", "You clearly didn't read my resume."),
    ("reputation.blame", "The panel was warm and well organised.", "Your recruiter was rude to me."),
    ("reputation.sarcasm", "Thank you so much for your time.", "Thanks so much for wasting my afternoon."),
    ("reputation.sarcasm", "Good luck with the launch!",
     "I\u2019m sure whoever you hired is much cheaper and younger."),
    ("reputation.passive_aggression", "As you mentioned, the team is growing.", "As I already said, I was available."),
    ("reputation.passive_aggression", "No hard feelings at all.", "No offense, but that was odd."),
    ("reputation.threat", "I enjoyed reading the team's posts.", "I will be leaving an honest review on Glassdoor."),
    ("reputation.threat", "I'll share what I learned with my study group.",
     "You\u2019ll regret this, mark my words."),
    ("reputation.profanity", "I shifted my focus to data engineering.", "What a f***ing joke."),
    ("reputation.profanity", "Shh, it's fine: I'll keep at it.", "The take-home was sh!t."),
    ("reputation.profanity", "I passed the first round and craft beer was fun.", "This is such bullshit."),
    ("reputation.venting", "The process was thorough and fair.", "This whole process was a nightmare."),
    ("reputation.venting", "I am glad I applied.", "I'm absolutely furious about this."),
    ("reputation.hostile_sentence", "Your team had a hard, painful quarter, and I thank them for their time.",
     "Your company is cruel, hateful and dishonest."),
    ("reputation.shouting", "We used CDISC and SAS datasets in my last role.", "THIS IS RIDICULOUS."),
    ("reputation.shouting", "Thank you!", "Thanks for nothing!!!"),
    ("reputation.no_thanks", "Thank you for letting me know.", "I got your email."),
    ("reputation.no_sign_off", "I understand your decision and appreciate it.\n\nBest regards,\nSam",
     "I understand your decision and appreciate it."),
    ("door_open.closed", "I never stopped learning during the process.", "Never contact me again."),
    ("door_open.closed", "Please keep my details on file.", "Please remove me from your mailing list."),
    ("door_open.closed", "I\u2019d love to apply again.", "Don\u2019t contact me."),
    ("door_open.missing", "Please keep me in mind for future roles.", "I understand your decision."),
    ("resilience.argues_decision", "I understand and respect your decision.", "You made a huge mistake."),
    ("resilience.argues_decision", "I was glad to be considered.", "I was clearly the best candidate for this role."),
    ("resilience.asks_to_reconsider", "I reviewed my notes from our call.", "Please reconsider your decision."),
    ("resilience.asks_to_reconsider", "I had a great conversation with the team.", "Could you give me a second chance?"),
    ("resilience.rumination", "I have reflected on what I learned.",
     "I keep replaying the interview over and over."),
    ("resilience.rumination", "I slept on it and feel good about the process.", "I haven't slept since your email."),
    ("feedback.demands_reasons", "If you have a moment, I'd welcome any feedback.", "You owe me an explanation."),
    ("feedback.demands_reasons", "I would appreciate any pointers, if you have time.",
     "Please send your feedback by Friday."),
    ("feedback.demands_reasons", "I'd love to hear why the team chose this direction, if you can share.",
     "Tell me exactly why I was rejected."),
    ("resilience.not_accepting", "Your recruiter was rude to me. Still, I understand and respect the decision.",
     "Your recruiter was rude to me and the whole panel was clueless."),
    ("networking.burns_bridges", "Thanks for wasting my time. I would still be glad to stay in touch.",
     "Thanks for wasting my time."),
    ("reputation.word_cues", "Thank you for the update and for your time.", "Four rounds of interviews and a form email."),
    ("resilience.word_cues", "I understand the decision and I'm glad I applied.",
     "The second one asked me questions about a tech stack that is not even in the job description."),
    ("feedback.word_cues", "If you have a moment, I'd welcome any feedback.",
     "Please send me a breakdown of how my submission was scored against each criterion."),
    ("confidence.word_cues", "I'm proud of the work I showed you.", "I really, really need this job."),
    ("feedback.interrogation", "Could you share any feedback? Is there a better time to apply?",
     "Why me? Who did you hire? What did they have that I lack? Was it my salary?"),
    ("feedback.missing", "If you have a moment, I'd welcome any feedback.", "Thank you for letting me know."),
    ("networking.cuts_ties", "I'd be glad to stay in touch.", "There is no need to stay in touch."),
    ("networking.cuts_ties", "I follow the team's blog.", "I have unfollowed your company page."),
    ("networking.coldness", "Fine work by the whole team on the launch.", "Fine."),
    ("networking.coldness", "Whatever role comes up next, I'd be glad to hear.", "Whatever, it is what it is."),
    ("networking.curt_reply", "Thank you so much, noted.", "Ok noted."),
    ("networking.missing", "I'd be glad to connect on LinkedIn.", "Thank you for letting me know."),
    ("confidence.self_deprecation", "I am proud of the work I showed you.", "I just wasn't good enough."),
    ("confidence.self_deprecation", "I enjoyed the technical round.", "I completely bombed the technical round."),
    ("confidence.begging", "I remain interested in the team.", "I'll take any salary you offer."),
    ("confidence.begging", "Please keep me in mind.", "Please, please, I really need this job."),
    ("confidence.apology_spiral", "Sorry for the slow reply; thank you for the update.",
     "Sorry for the slow reply. I apologise again. Sorry for everything."),
    ("readability.too_long", GRACEFUL, " ".join([GRACEFUL] * 5)),
    ("readability.long_sentence", "I enjoyed the conversations with the team.", LONG_SENTENCE),
    ("readability.grade_too_high", GRACEFUL, DENSE),
]


def _findings(rule_id: str, text: str):
    return RULES[rule_id].findings(Draft(text, CoachContext()))


def test_every_rule_has_a_good_and_a_bad_case():
    good_ids = {rule_id for rule_id, good, bad in RULE_CASES if good}
    bad_ids = {rule_id for rule_id, good, bad in RULE_CASES if bad}
    missing = sorted(set(RULES) - (good_ids & bad_ids))
    assert not missing, f"rules without a good and a bad test sentence in RULE_CASES: {missing}"
    unknown = sorted((good_ids | bad_ids) - set(RULES))
    assert not unknown, f"RULE_CASES names rules that no longer exist: {unknown}"


@pytest.mark.parametrize(("rule_id", "good", "bad"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_leaves_good_sentence_alone(rule_id, good, bad):
    assert _findings(rule_id, good) == []


@pytest.mark.parametrize(("rule_id", "good", "bad"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_flags_bad_sentence_with_exact_spans(rule_id, good, bad):
    findings = _findings(rule_id, bad)
    assert findings, f"{rule_id} did not fire on {bad!r}"
    for finding in findings:
        assert finding.rule == rule_id
        if finding.start is not None:
            assert bad[finding.start:finding.end] == finding.quote
            assert finding.quote.strip(), "an underline must cover some text"


def test_rules_are_declared_with_valid_principles_and_severities():
    allowed = {"reputation", "door_open", "resilience", "feedback", "networking", "confidence", "tone", "readability"}
    for rule_id, rule in RULES.items():
        assert rule_id.split(".")[0] == rule.principle or rule.principle in {"tone", "readability"}, rule_id
        assert rule.principle in allowed
        assert rule.severity in {"info", "warning", "critical"}
        assert rule.message


def test_curly_apostrophes_are_matched_and_quoted_as_typed():
    draft = "Don\u2019t contact me. You\u2019ll regret this."
    findings = run_rules(Draft(draft))
    rules = {f.rule for f in findings}
    assert {"door_open.closed", "reputation.threat"} <= rules
    for finding in findings:
        if finding.start is not None:
            assert draft[finding.start:finding.end] == finding.quote
    assert any("\u2019" in (f.quote or "") for f in findings), "the quote must keep the curly apostrophe"


@pytest.mark.parametrize("masked", ["f***", "f*ck", "f@#k", "sh!t", "sh*t", "s**t", "a**hole"])
def test_masked_profanity_is_caught(masked):
    draft = f"Honestly, this was {masked} and you know it."
    findings = RULES["reputation.profanity"].findings(Draft(draft))
    assert findings, masked
    assert any(masked in draft[f.start:f.end] or draft[f.start:f.end] in masked for f in findings)


def test_sarcasm_that_sentiment_reads_as_positive_is_still_flagged():
    draft = "Wow, great job guys. Thanks so much for wasting three weeks of my life, really amazing work."
    # The lexicon sees "great", "thanks", "amazing": exactly why sarcasm needs its own rule.
    assert sentiment(draft) > 0
    assert any(f.rule == "reputation.sarcasm" for f in run_rules(Draft(draft)))


@pytest.mark.parametrize("trap", [
    "I never stopped learning, and I'm grateful for the chance.",
    "I reviewed my notes and I'm glad I applied.",
    "My CDISC and SDTM work at the CRO taught me a lot.",
    "I'm not going to stop growing; thank you for the push.",
    "I appreciate your honest feedback on the case study.",
    "Thank you for considering me for the Data Analyst role at Acme.",
    "I will keep working on my system design skills.",
    # Gracious lines a candidate really writes, which over-broad patterns once misread.
    "Congratulations on finding a great candidate!",
    "Please tell everyone on the panel I said thanks.",
    "No offense taken at all, I understand completely.",
    "I'd welcome the chance to interview again for future roles.",
])
def test_false_positive_traps_trip_no_principle(trap):
    breaking = [f for f in run_rules(Draft(trap)) if f.breaks_principle]
    assert breaking == [], [(f.rule, f.quote) for f in breaking]


def test_praise_shared_with_friends_is_not_a_threat():
    draft = "I'll tell my friends how much I enjoyed meeting you."
    assert RULES["reputation.threat"].findings(Draft(draft)) == []


def test_reflecting_on_what_was_learned_is_not_rumination():
    draft = "I have been thinking about what I learned from our conversation."
    assert RULES["resilience.rumination"].findings(Draft(draft)) == []


def test_own_sadness_is_not_hostility_about_them():
    draft = "I felt awful and sad after the final round at your company."
    assert RULES["reputation.hostile_sentence"].findings(Draft(draft)) == []


def test_findings_come_most_severe_first():
    draft = "Thanks for nothing. I'll be posting about this on Glassdoor. You f***ing clowns."
    ranks = {"critical": 0, "warning": 1, "info": 2}
    severities = [ranks[f.severity] for f in run_rules(Draft(draft))]
    assert severities == sorted(severities)
    assert severities[0] == 0


def test_feedback_missing_respects_explicit_no_feedback_wish():
    draft = "Thank you for letting me know."
    assert RULES["feedback.missing"].findings(Draft(draft, CoachContext(ask_for_feedback=None)))
    assert not RULES["feedback.missing"].findings(Draft(draft, CoachContext(ask_for_feedback=False)))


def test_offsets_survive_emoji_and_crlf():
    draft = "Hi Sam \U0001F642,\r\nThanks for nothing!!!\r\nYou idiots. \u05e9\u05dc\u05d5\u05dd"
    findings = run_rules(Draft(draft))
    assert findings
    for finding in findings:
        if finding.start is not None:
            assert draft[finding.start:finding.end] == finding.quote
