"""How a study session chooses its next question: a small Rasch model, read from the store.

Two numbers drive every choice, both on the logit scale of a Rasch (one-parameter
logistic) model, where the chance of a right answer is ``sigmoid(ability - difficulty)``:

* **Item difficulty** ``b``. Its prior comes from the authored difficulty (1 -> -1.0,
  2 -> 0.0, 3 -> +1.0). It is then calibrated from every attempt in the progress file,
  all learners together: the share of right answers, smoothed towards the prior's
  share with ``PRIOR_WEIGHT`` pseudo-answers, turned back into a logit. An item nobody
  has answered keeps its prior; one answered hundreds of times is ruled by the data.
* **Learner ability per topic** ``theta``. A Gaussian prior centred on the learner's
  overall ability (itself estimated from all their answers with a N(0, 1) prior), and
  the topic's own answers, combined by a few Newton steps on the logistic likelihood
  (a Laplace approximation), which also gives a standard deviation: how sure we are.

A topic is **known** when the model gives at least ``KNOWN_P`` chance of a right answer
on an average item (b = 0), with at least ``MIN_ANSWERS`` answers in it and the lower
bound (mean - one sd) above an even chance. It is **settled for now** when it is known,
when it is clearly weak (the upper bound below an even chance after ``MIN_ANSWERS``), or
when ``MAX_NEW_PER_VISIT`` new questions of it have been asked in this session: wrong
answers come back anyway as due reviews (FSRS), so the session moves on.

New material then follows the chapter: the first topic, in the order of the Learn
sections, that is not settled. Within it the question chosen is the one whose difficulty
is closest to the learner's ability there (the most informative question: the chance of a
right answer nearest one half), with a little seeded randomness among near-equals so that
two learners, or one learner with another seed, do not see the same sequence. No more
than ``MAX_SAME_CATEGORY`` questions of one category come in a row while another category
is available (from the same topic, or failing that from the next unsettled one).

Everything here is plain Python over numbers already read; ``Model.load`` does the two
reads from the store. The session (``quizapp.progress.session``) asks :meth:`Model.pick`
for each new question and tells it each answer through :meth:`Model.observe`.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Iterable, Sequence

#: Prior difficulty (logits) by authored difficulty 1, 2, 3.
DIFFICULTY_PRIOR = {1: -1.0, 2: 0.0, 3: 1.0}
#: Pseudo-answers that the authored difficulty is worth when calibrating from attempts.
PRIOR_WEIGHT = 6.0
#: Prior sd of a topic's ability around the learner's overall ability.
TOPIC_SD = 1.0
#: Prior sd of the learner's overall ability around 0.
OVERALL_SD = 1.0

KNOWN_P = 0.75
SHOWN_P = 0.6
MIN_ANSWERS = 2
#: New questions per topic per session before the session moves on. One: a first session
#: is a quick tour of the chapter (10 topics in 10 questions), which finds the weakest topic
#: sooner than staying for a second question (benchmarks/bench_adaptive.py: 62 answers
#: instead of 71 on average); the topic comes back in the next session.
MAX_NEW_PER_VISIT = 1
MAX_SAME_CATEGORY = 2
#: Randomness among candidates: Gumbel noise of this scale is added to each score.
NOISE = 0.15
#: How much the chance of being the weakest topic counts when every topic has been met.
WEAKEST_WEIGHT = 20.0


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def prior_difficulty(authored: int | None) -> float:
    return DIFFICULTY_PRIOR.get(int(authored or 2), 0.0)


def calibrate(prior: float, answered: int, right: int, weight: float = PRIOR_WEIGHT) -> float:
    """Difficulty of an item from its prior and its record over all learners."""
    p0 = sigmoid(-prior)
    share = (right + weight * p0) / (answered + weight)
    return -logit(share)


def estimate(answers: Iterable[tuple[float, int, int]], prior_mean: float = 0.0,
             prior_sd: float = 1.0, iters: int = 8) -> tuple[float, float]:
    """Posterior mean and sd of an ability from ``(difficulty, right, wrong)`` counts.

    Maximises ``sum log sigmoid(+-(theta - b)) - (theta - m)^2 / (2 s^2)`` by Newton's
    method; the sd is ``1/sqrt(curvature)`` at the optimum (Laplace approximation).
    """
    answers = list(answers)
    theta = prior_mean
    prec0 = 1.0 / (prior_sd * prior_sd)
    hess = prec0
    for _ in range(iters):
        grad = -(theta - prior_mean) * prec0
        hess = prec0
        for b, right, wrong in answers:
            p = sigmoid(theta - b)
            grad += right - (right + wrong) * p
            hess += (right + wrong) * p * (1.0 - p)
        step = grad / hess
        theta += max(-2.0, min(2.0, step))
        if abs(step) < 1e-6:
            break
    return theta, 1.0 / math.sqrt(hess)


@dataclass
class TopicState:
    topic: str
    counts: dict = field(default_factory=dict)  # difficulty -> [right, wrong]
    answered: int = 0
    right: int = 0
    asked_this_session: int = 0
    mean: float = 0.0
    sd: float = TOPIC_SD

    def add(self, difficulty: float, correct: bool, times: int = 1) -> None:
        pair = self.counts.setdefault(difficulty, [0, 0])
        pair[0 if correct else 1] += times
        self.answered += times
        self.right += times if correct else 0

    def triples(self) -> list[tuple[float, int, int]]:
        return [(b, r, w) for b, (r, w) in self.counts.items()]

    @property
    def p_average(self) -> float:
        """Chance of a right answer on an average item (difficulty 0)."""
        return sigmoid(self.mean)

    @property
    def known(self) -> bool:
        return (self.answered >= MIN_ANSWERS and self.p_average >= KNOWN_P
                and sigmoid(self.mean - self.sd) > 0.5)

    @property
    def weak(self) -> bool:
        return self.answered >= MIN_ANSWERS and sigmoid(self.mean + self.sd) < 0.5

    @property
    def shown(self) -> bool:
        """The learner has shown they probably know it: enough to move on for now."""
        return self.answered >= 1 and self.p_average >= SHOWN_P

    @property
    def settled(self) -> bool:
        return self.shown or self.weak or self.asked_this_session >= MAX_NEW_PER_VISIT


@dataclass(frozen=True)
class Choice:
    item_id: str
    topic: str
    reason: str


def chapter_topic_order(sections: Iterable | None = None) -> list[str]:
    """Topics in the order the Learn page teaches them (first mention wins)."""
    if sections is None:
        from quizapp.learn import load_chapter

        sections = load_chapter()
    order: list[str] = []
    for section in sections:
        for topic in section.practice_topics:
            if topic not in order:
                order.append(topic)
    return order


class Model:
    """The learner's abilities and the items' difficulties, kept up to date in a session."""

    def __init__(self, items: dict, topic_order: Sequence[str], learner_answers: Iterable[tuple[str, bool]] = (),
                 item_record: dict[str, tuple[int, int]] | None = None, rng: random.Random | None = None,
                 learner_record: dict[str, tuple[int, int]] | None = None):
        """``items``: item id -> bank Item (topic, category, difficulty); ``learner_answers``:
        this learner's past ``(item_id, correct)``, and/or ``learner_record``: item id ->
        ``(answered, right)`` for this learner (the order of answers does not matter to the
        model); ``item_record``: item id -> ``(answered, right)`` over every learner."""
        self.items = items
        self.rng = rng or random.Random()
        record = item_record or {}
        self.difficulty: dict[str, float] = {}
        for iid, item in items.items():
            n, k = record.get(iid, (0, 0))
            self.difficulty[iid] = calibrate(prior_difficulty(getattr(item, "difficulty", 2)), n, k)
        known_topics = {item.topic for item in items.values()}
        self.order = [t for t in topic_order if t in known_topics]
        self.order += sorted(known_topics - set(self.order))
        self.topics = {t: TopicState(t) for t in self.order}
        self.overall = (0.0, OVERALL_SD)
        for iid, ok in learner_answers:
            item = items.get(iid)
            if item is not None:
                self.topics[item.topic].add(self.difficulty[iid], bool(ok))
        for iid, (n, k) in (learner_record or {}).items():
            item = items.get(iid)
            if item is not None and n:
                self.topics[item.topic].add(self.difficulty[iid], True, int(k))
                self.topics[item.topic].add(self.difficulty[iid], False, int(n) - int(k))
        self._refresh()

    # ------------------------------------------------------------------ reading the store

    @classmethod
    def load(cls, store, learner_id: int, items: dict, topic_order: Sequence[str] | None = None,
             rng: random.Random | None = None) -> "Model":
        # the review table keeps answer counts per learner x item: a few thousand rows at
        # most, where the attempts table may hold hundreds of thousands
        mine = {iid: (int(n or 0), int(k or 0)) for iid, n, k in store.db.execute(
            "SELECT item_id, answers, correct FROM review WHERE learner_id = ?", [learner_id]).fetchall()}
        record = {iid: (int(n or 0), int(k or 0)) for iid, n, k in store.db.execute(
            "SELECT item_id, SUM(answers), SUM(correct) FROM review GROUP BY item_id").fetchall()}
        order = list(topic_order) if topic_order is not None else chapter_topic_order()
        return cls(items, order, (), record, rng, learner_record=mine)

    # ------------------------------------------------------------------ estimates

    def _refresh(self) -> None:
        # the overall ability is every topic's prior mean, so one answer moves them all
        everything = [t for state in self.topics.values() for t in state.triples()]
        self.overall = estimate(everything, 0.0, OVERALL_SD)
        for state in self.topics.values():
            state.mean, state.sd = estimate(state.triples(), self.overall[0], TOPIC_SD)

    def observe(self, item_id: str, correct: bool) -> None:
        item = self.items.get(item_id)
        if item is None:
            return
        self.topics[item.topic].add(self.difficulty[item_id], bool(correct))
        self._refresh()

    def mastery(self) -> dict[str, float]:
        """Topic -> estimated chance of a right answer on an average item."""
        return {t: s.p_average for t, s in self.topics.items()}

    def ranking(self) -> list[str]:
        """Topics from weakest to strongest by the current estimate."""
        return sorted(self.order, key=lambda t: (self.topics[t].mean, self.order.index(t)))

    # ------------------------------------------------------------------ choosing

    def pick(self, candidates: Iterable[str], recent_categories: Sequence[str] = ()) -> Choice | None:
        """The next new question among ``candidates`` (item ids not yet asked in this session)."""
        by_topic: dict[str, list[str]] = {}
        for iid in candidates:
            item = self.items.get(iid)
            if item is not None:
                by_topic.setdefault(item.topic, []).append(iid)
        if not by_topic:
            return None
        open_topics = [t for t in self.order if by_topic.get(t)]
        unsettled = [t for t in open_topics if not self.topics[t].settled]
        blocked = _blocked_category(recent_categories)
        if unsettled:
            # the frontier, then the next unsettled topic if only the blocked category is left
            for topic in unsettled[:2]:
                iid = self._best(by_topic[topic], blocked)
                if iid is not None:
                    return Choice(iid, topic, self._reason(topic, frontier=topic == unsettled[0]))
            topic = unsettled[0]
            return Choice(self._best(by_topic[topic], None), topic, self._reason(topic, frontier=True))
        # every topic met: ask where an answer tells most about the learner's weak spots
        value = self.uncertainty_value()
        open_topics.sort(key=lambda t: (-value[t], self.order.index(t)))
        for topic in open_topics:
            iid = self._best(by_topic[topic], blocked)
            if iid is not None:
                return Choice(iid, topic, self._reason(topic, frontier=False))
        topic = open_topics[0]
        return Choice(self._best(by_topic[topic], None), topic, self._reason(topic, frontier=False))

    def uncertainty_value(self) -> dict[str, float]:
        """How much one more answer in each topic would clarify the picture.

        The topic's variance, weighted by how many other topics it could still swap
        places with (overlapping estimates) and by the chance that it is the weakest
        topic: the two things a learner (and the summary) most wants to know.
        """
        states = list(self.topics.values())
        weakest = _chance_weakest(states, self.rng)
        out = {}
        for s in states:
            overlap = sum(math.exp(-(s.mean - o.mean) ** 2 / (2 * (s.sd ** 2 + o.sd ** 2)))
                          for o in states if o is not s)
            out[s.topic] = s.sd ** 2 * (overlap / max(1, len(states) - 1) + WEAKEST_WEIGHT * weakest[s.topic])
        return out

    def _best(self, ids: list[str], blocked: str | None) -> str | None:
        pool = [i for i in ids if blocked is None or self.items[i].category != blocked]
        if not pool:
            return None
        state = self.topics[self.items[pool[0]].topic]
        best, best_score = None, -math.inf
        for iid in pool:
            p = sigmoid(state.mean - self.difficulty[iid])
            score = math.log(p * (1 - p)) + NOISE * _gumbel(self.rng)
            if score > best_score:
                best, best_score = iid, score
        return best

    def _reason(self, topic: str, frontier: bool) -> str:
        return describe(self.topics[topic], self.title(topic), frontier)

    def title(self, topic: str) -> str:
        for item in self.items.values():
            if item.topic == topic and getattr(item, "title", ""):
                return item.title
        return topic.replace("_", " ")

    def asked(self, item_id: str) -> None:
        """Count a new question of this topic as asked in this session."""
        item = self.items.get(item_id)
        if item is not None:
            self.topics[item.topic].asked_this_session += 1

    def next_steps(self, limit: int = 3, topics: Sequence[str] | None = None) -> list[str]:
        """Plain sentences for the summary: where the next session will go, and why
        (within ``topics`` when the session was limited to some)."""
        lines: list[str] = []
        chosen = set(topics) if topics else None
        unsettled = [t for t in self.order
                     if (chosen is None or t in chosen) and not self.topics[t].known]
        for topic in unsettled[:limit]:
            lines.append(describe(self.topics[topic], self.title(topic), frontier=topic == unsettled[0]))
        if not unsettled:
            lines.append("Every topic looks known: sessions now bring back due reviews and the hardest questions.")
        return lines


def describe(state: TopicState, title: str, frontier: bool) -> str:
    n, k = state.answered, state.right
    record = f"{k} of {n} right" if n else "not tried yet"
    chance = f"about {round(100 * state.p_average)} % expected on an average question" if n else ""
    if n == 0:
        why = "next in the chapter's order"
    elif state.known:
        why = "known; kept fresh"
    elif state.weak or state.p_average < 0.5 or (n >= MIN_ANSWERS and 2 * k < n):
        # the record itself counts too: "0 of 2 right" never reads "not settled yet", even
        # when strong answers elsewhere keep the estimate near an even chance
        why = "needs more work"
    else:
        why = "not settled yet"
    lead = f"{title} next" if frontier else title
    extra = f", {chance}" if chance else ""
    return f"{lead}: {record}{extra} ({why})."


def _chance_weakest(states: list[TopicState], rng: random.Random, draws: int = 200) -> dict[str, float]:
    """Chance that each topic is the weakest, from the normal approximations (Monte Carlo)."""
    wins = {s.topic: 0 for s in states}
    local = random.Random(rng.random())
    for _ in range(draws):
        best = min(states, key=lambda s: local.gauss(s.mean, s.sd))
        wins[best.topic] += 1
    return {t: w / draws for t, w in wins.items()}


def _blocked_category(recent: Sequence[str]) -> str | None:
    if len(recent) >= MAX_SAME_CATEGORY and len(set(recent[-MAX_SAME_CATEGORY:])) == 1:
        return recent[-1]
    return None


def _gumbel(rng: random.Random) -> float:
    u = rng.random()
    return -math.log(-math.log(min(max(u, 1e-12), 1 - 1e-12)))


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation with average ranks for ties (no SciPy needed)."""
    ra, rb = _ranks(a), _ranks(b)
    n = len(ra)
    if n < 2:
        return 1.0
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra)
    vb = sum((y - mb) ** 2 for y in rb)
    if va == 0 or vb == 0:
        return 0.0
    return cov / math.sqrt(va * vb)


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1
        i = j + 1
    return ranks
