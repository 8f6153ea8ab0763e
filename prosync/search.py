"""Global search over what the apps register (assets, locations, work orders, requests, parts,
documents): PostgreSQL full text (weighted documents, web-search syntax, ``ts_rank``) together
with trigram word similarity, so that "compresor" still finds the compressors; always within the
model's ``for_user``. The header's box, the /search/ page and /api/v1/search/ all call ``search()``."""

from __future__ import annotations

import difflib
import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Upper
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from prosync.core.search import Searchable, searchables

MIN_LENGTH = 2
MAX_LENGTH = 100
# The matches of one kind that are ranked, for the words and for the close words each: a word
# found in most of 200,000 orders would otherwise rank them all on every keystroke. Beyond it
# the count reads "200+".
CANDIDATES = 200
EXACT_BONUS = 2.0  # a tag or number typed in full comes first, whatever the text scores
ELSEWHERE_SCORE = 0.1  # found only through related rows (an order through one of its comments)
CONFIG = "english"  # the text search configuration of the stored documents
WORDS, EXACT, CLOSE, ELSEWHERE = range(4)  # how a candidate was found


@dataclass
class Hit:
    kind: str
    title: str
    context: str
    url: str
    score: float


@dataclass
class Group:
    kind: str
    label: str
    count: int
    more: bool  # more than ``count`` rows match
    hits: list[Hit] = field(default_factory=list)


def kinds() -> dict[str, str]:
    return {s.kind: s.label for s in searchables()}


def search(user, q: str, *, kind: str | None = None, limit: int = 5) -> list[Group]:
    """The groups of results, in the registry's order, leaving out kinds with no match."""
    q = " ".join(q.split())
    query = SearchQuery(q, search_type="websearch", config=CONFIG)
    groups = []
    for searchable in searchables():
        if kind and searchable.kind != kind:
            continue
        group = _search_kind(searchable, user, q, query, limit)
        if group is not None:
            groups.append(group)
    return groups


def _search_kind(s: Searchable, user, q: str, query: SearchQuery, limit: int) -> Group | None:
    qs = s.model._default_manager.for_user(user, "view")
    document = F(s.document) if isinstance(s.document, str) else s.document
    qs = qs.alias(search_doc=document, **{f"upper_{c}": Upper(c) for c in s.similar})
    # In one round trip: rows holding the words (GIN index on the stored document), rows named
    # exactly, rows with a word close to a typed one (GIN trigram index). Without an order, so
    # that a word found in 20,000 orders stops the scan once enough candidates are read, instead
    # of reading and sorting them all on every keystroke; the candidates are then ranked.
    parts = [qs.filter(search_doc=query).order_by().annotate(found_by=Value(WORDS))
             .values_list("pk", "found_by")[:CANDIDATES + 1]]
    exact = s.exact(q) if s.exact else None
    if exact is not None:
        parts.append(qs.filter(exact).order_by().annotate(found_by=Value(EXACT)).values_list("pk", "found_by")[:10])
    if s.similar:
        similar = reduce(operator.or_, (Q(**{f"upper_{c}__trigram_word_similar": q}) for c in s.similar))
        parts.append(qs.filter(similar).order_by().annotate(found_by=Value(CLOSE))
                     .values_list("pk", "found_by")[:CANDIDATES + 1])
    if s.elsewhere:
        parts.append(qs.filter(_among(s.elsewhere(query))).order_by().annotate(found_by=Value(ELSEWHERE))
                     .values_list("pk", "found_by"))
    found: dict[int, list[int]] = {WORDS: [], EXACT: [], CLOSE: [], ELSEWHERE: []}
    for pk, source in parts[0].union(*parts[1:], all=True):
        found[source].append(pk)
    more = len(found[WORDS]) > CANDIDATES or len(found[CLOSE]) > CANDIDATES
    exact_ids, elsewhere_ids = found[EXACT], found[ELSEWHERE]
    ids = list(dict.fromkeys([*exact_ids, *found[WORDS][:CANDIDATES], *found[CLOSE][:CANDIDATES], *elsewhere_ids]))
    if not ids:
        return None

    score = Coalesce(SearchRank(F("search_doc"), query), Value(0.0))
    similarities = [TrigramWordSimilarity(q, F(f"upper_{c}")) for c in s.similar]
    if similarities:
        score += similarities[0] if len(similarities) == 1 else Greatest(*similarities)
    for bonus_ids, bonus in ((exact_ids, EXACT_BONUS), (elsewhere_ids, ELSEWHERE_SCORE)):
        if bonus_ids:
            score += Case(When(_among(bonus_ids), then=Value(bonus)), default=Value(0.0), output_field=FloatField())
    rows = (qs.filter(_among(ids)).annotate(score=score).select_related(*s.select_related)
            .order_by("-score", "-pk")[:limit])
    hits = [Hit(kind=s.kind, title=str(obj), context=s.context(obj), url=obj.get_absolute_url(),
                score=round(float(obj.score), 4)) for obj in rows]
    return Group(kind=s.kind, label=s.label, count=len(ids), more=more, hits=hits)


def _among(ids: list[int]) -> Q:
    """The ids as one array parameter: ``pk__in=ids`` would send thousands of parameters, and
    preparing such a statement costs more than running it."""
    return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]))


_WORD = re.compile(r"\w+")


def highlight(text: str, q: str) -> SafeString:
    """``text`` escaped, with the words that match the query in ``<mark>``: those containing a
    query word, and those close to one (the misspelt "compresor" marks "Compressor")."""
    wanted = [w.lower() for w in _WORD.findall(q) if len(w) >= MIN_LENGTH]
    out, last = [], 0
    for m in _WORD.finditer(text):
        word = m.group().lower()
        hit = any(w in word or (len(w) >= 4 and difflib.SequenceMatcher(None, w, word).ratio() >= 0.75)
                  for w in wanted)
        if hit:
            out.append(escape(text[last:m.start()]))
            out.append(f"<mark>{escape(m.group())}</mark>")
            last = m.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above
