"""The number of articles of each source and status, and of their versions,
kept as they change.

Part of the storage (newscrawler.storage is its only user). Counting the
articles of a status reads an index the size of the archive on MongoDB, and
every document on secantusdb (docs/mongodb-compatibility.md, section 6): 55 s
at a million articles; secantusdb counts the revisions collection by reading
it, even for estimated_document_count. So each source's document in `sources`
keeps `tallies`, {status: articles}, and `versions`, brought up to date in two
steps:

1. A write that stores a version, or changes an article's status, also sets
   `untallied: true`, in the same update, so no crash can separate the two.
   A sparse index holds only the flagged articles.
2. `settle` moves flagged articles into the tallies. An article's `tallied`
   and `tallied_versions` are the status and the number of versions the
   tallies count it with (versions are numbered 1, 2, ... without gaps, so its
   `version` is its number of versions). Settling changes two documents,
   so it follows MongoDB's two-phase commit pattern: the article gets a
   token (its id and `tally_generation`); the source's tallies change only if
   their `tally_tokens` do not hold that token yet, and take it; the article's
   `tallied` and `tallied_versions` are set and its token removed; the token is pulled from the
   source. Any step can be repeated, by this process or another, after a crash
   or beside it, and counts once.

`totals` adds the articles still flagged to the tallies, so they are exact at
any time and cost what the flagged articles cost, not what the archive does.

A source whose document has no `tallied_since` (a database from before
tallies) is counted the old way until a writer, opening the store, has counted
it once (`start_unmigrated`).
"""
import logging
import threading
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from newscrawler.clock import utc_now
from newscrawler.schedule import STATUSES

logger = logging.getLogger(__name__)

# Filters of a field beside the sparse index's or `_id`'s are hinted: unhinted,
# secantusdb scans the collection for them (docs/mongodb-compatibility.md, 7),
# and MongoDB takes the same hints. A find by `_id` alone is not: hinted, it scans.
FLAG = {"untallied": True}
FLAG_INDEX = "untallied"
FLAGGED_FIELDS = {"source": 1, "status": 1, "version": 1, "tallied": 1, "tallied_versions": 1,
                  "tally_token": 1, "tally_to": 1, "tally_versions_to": 1}
SOURCE_FIELDS = {"tallies": 1, "versions": 1, "tally_tokens": 1, "tallied_since": 1}
BATCH_SIZE = 100  # secantusdb answers an $in of n ids in time growing with n squared
TOTALS_ATTEMPTS = 5
LEASE = timedelta(minutes=1)  # on settling a source: longer than any settle of a batch takes
RECOUNT_LEASE = timedelta(hours=2)  # on counting a source from before tallies: 17 min at a million articles

VERSIONS = {"$ifNull": ["$version", 0]}
TALLIED_VERSIONS = {"$ifNull": ["$tallied_versions", 0]}
COUNTED_AS_IS = {"$and": [{"$eq": ["$status", "$tallied"]}, {"$eq": [VERSIONS, TALLIED_VERSIONS]}]}
NO_TOKEN = {"$eq": [{"$type": "$tally_token"}, "missing"]}
# The last stage of a pipeline update that writes a status: flagged if the
# article is not counted as it now is (or flagged already).
FLAG_IF_CHANGED = {"$set": {"untallied": {"$cond": [
    {"$or": [{"$not": [COUNTED_AS_IS]}, {"$eq": ["$untallied", True]}]}, True, "$$REMOVE"]}}}
# A flagged article counted as it is, that no count holds, loses its flag.
# (A filter with $expr would scan the collection on secantusdb.)
UNFLAG_IF_KEPT = [{"$set": {"untallied": {"$cond": [{"$and": [COUNTED_AS_IS, NO_TOKEN]}, "$$REMOVE", True]}}}]
TAKE_TOKEN = [{"$set": {  # unless it holds one: in one stage, "$tally_token" is the value before
    "tally_token": {"$ifNull": [
        "$tally_token", {"$concat": ["$_id", ":", {"$toString": {"$ifNull": ["$tally_generation", 0]}}]}]},
    "tally_to": {"$cond": [NO_TOKEN, "$status", "$tally_to"]},
    "tally_versions_to": {"$cond": [NO_TOKEN, VERSIONS, "$tally_versions_to"]},
}}]
SETTLED = [
    {"$set": {"tallied": "$tally_to", "tallied_versions": "$tally_versions_to",
              "tally_generation": {"$add": [{"$ifNull": ["$tally_generation", 0]}, 1]}}},
    {"$unset": ["tally_token", "tally_to", "tally_versions_to"]},
    # flagged still if it changed while it was being settled
    {"$set": {"untallied": {"$cond": [COUNTED_AS_IS, "$$REMOVE", True]}}},
]


def counted_as_is(article: dict) -> bool:
    return (article.get("status") == article.get("tallied")
            and article.get("version", 0) == article.get("tallied_versions", 0))


class StatusTallies:
    def __init__(self, db):
        self.db = db
        self.owner = uuid.uuid4().hex  # of the leases this settles under
        # The pipeline stores items in worker threads: one settle at a time
        # under this owner, or two would both hold its leases.
        self._settling = threading.Lock()

    # Writing

    def start_unmigrated(self) -> None:
        """Count once the articles of each source that has no tallies yet (a
        database from before them)."""
        for source in self.db.sources.find({"tallied_since": {"$exists": False}}, projection={"_id": 1}):
            self._recount(source["_id"])

    def _recount(self, source: str) -> None:
        """Each article takes its status and version as `tallied` and
        `tallied_versions`, then the tallies are the articles counted by them:
        under the source's lease, so that no settle moves an article meanwhile.
        Repeated from the start if interrupted."""
        leased = set()
        if not self._lease(source, leased, RECOUNT_LEASE):
            return  # another process is counting it
        try:
            logger.info("Counting the articles of %s by status, once, for the tallies", source)
            self.db.articles.update_many(
                {"source": source, "status": {"$exists": True}, "tallied_versions": {"$exists": False}},
                [{"$set": {"tallied": "$status", "tallied_versions": VERSIONS}}], hint="due_checks")
            groups = list(self.db.articles.aggregate(
                [{"$match": {"source": source, "tallied": {"$exists": True}}},
                 {"$group": {"_id": "$tallied", "articles": {"$sum": 1}, "versions": {"$sum": "$tallied_versions"}}}],
                hint="due_checks"))
            # tokens of earlier settles are void: the count is of what articles are tallied with
            self.db.sources.update_one({"_id": source, "tally_settler": self.owner}, {"$set": {
                "tallies": {group["_id"]: group["articles"] for group in groups},
                "versions": sum(group["versions"] for group in groups),
                "tally_tokens": [], "tallied_since": utc_now()}})
        finally:
            self._release(leased)

    def settle(self, limit: int) -> int:
        """Bring up to `limit` flagged articles into the tallies (most of them only
        lose the flag: their status did not change); the number looked at. Safe
        beside other settles: a source is settled by one at a time (its lease),
        and a settle already running in another thread of this process makes
        this one return at once."""
        if not self._settling.acquire(blocking=False):
            return 0
        seen, leased = 0, set()
        try:
            while seen < limit:
                batch = list(self.db.articles.find(FLAG, projection=FLAGGED_FIELDS, hint=FLAG_INDEX)
                             .limit(min(BATCH_SIZE, limit - seen)))
                if not batch or not self._settle_batch(batch, leased):
                    break
                seen += len(batch)
        finally:
            self._release(leased)
            self._settling.release()
        return seen

    def _release(self, leased: set) -> None:
        for source in leased:
            self.db.sources.update_one({"_id": source, "tally_settler": self.owner},
                                       {"$unset": {"tally_settler": "", "tally_settler_until": ""}})

    def _settle_batch(self, batch: list[dict], leased: set) -> bool:
        """Settle what of the batch can be; False if nothing could (other settles hold its sources)."""
        kept = {article["_id"] for article in batch if counted_as_is(article) and "tally_token" not in article}
        if kept:  # checked again in the update: the status may change meanwhile
            self.db.articles.update_many({"_id": {"$in": list(kept)}}, UNFLAG_IF_KEPT)
        # Tokens are read under the lease: a token read before could be settled and pulled meanwhile.
        ours = {source for source in {article["source"] for article in batch if article["_id"] not in kept}
                if self._lease(source, leased)}
        changed = [article["_id"] for article in batch if article["_id"] not in kept and article["source"] in ours]
        if changed:
            self._settle_changed(changed)
        return bool(kept or changed)

    def _settle_changed(self, changed: list[str]) -> None:
        # (a filter of {"$exists": true} scans the collection on secantusdb: tokens are picked here)
        self.db.articles.update_many({"_id": {"$in": changed}, **FLAG}, TAKE_TOKEN, hint="_id_")
        tokened = [article for article in self.db.articles.find({"_id": {"$in": changed}}, projection=FLAGGED_FIELDS)
                   if "tally_token" in article]
        by_source = defaultdict(list)
        for article in tokened:
            by_source[article["source"]].append(article)
        counted = [source for source, articles in by_source.items() if self._count_once(source, articles)]
        settled = [article for source in counted for article in by_source[source]]
        if settled:
            self.db.articles.bulk_write([UpdateOne({"_id": article["_id"], "tally_token": article["tally_token"]},
                                                   SETTLED, hint="_id_") for article in settled], ordered=False)
        for source in counted:
            self._pull_tokens(source, [article["tally_token"] for article in by_source[source]])

    def _lease(self, source: str, leased: set, length: timedelta = LEASE) -> bool:
        """Take or renew the lease on settling the source; False while another settle holds it.
        A lease newly taken first drops the tokens a crashed settle left behind."""
        now = utc_now()
        free = {"$or": [{"tally_settler": self.owner}, {"tally_settler_until": {"$not": {"$gt": now}}}]}
        try:
            taken = self.db.sources.find_one_and_update(
                {"_id": source, **free},
                {"$set": {"tally_settler": self.owner, "tally_settler_until": now + length},
                 "$setOnInsert": {"tallied_since": now}},  # all the articles of a source missing here were flagged
                projection={"tally_tokens": 1}, upsert=True, hint="_id_", return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # the source exists, leased to another settle
            return False
        if taken is None:  # the same, as secantusdb answers it
            return False
        if source not in leased:
            leased.add(source)
            self._drop_finished_tokens(source, taken.get("tally_tokens", []))
        return True

    def _drop_finished_tokens(self, source: str, tokens: list[str]) -> None:
        """Tokens whose articles were settled, but whose settle stopped before pulling them."""
        if not tokens:
            return
        ids = [token.rpartition(":")[0] for token in tokens]
        held = {article.get("tally_token")
                for article in self.db.articles.find({"_id": {"$in": ids}}, projection={"tally_token": 1})}
        self._pull_tokens(source, [token for token in tokens if token not in held])

    def _pull_tokens(self, source: str, tokens: list[str]) -> None:
        if tokens:
            self.db.sources.update_one({"_id": source, "tally_settler": self.owner},
                                       {"$pullAll": {"tally_tokens": tokens}})

    def _count_once(self, source: str, articles: list[dict]) -> bool:
        """Move the articles in the source's tallies, unless their tokens show they
        were moved already; False if the lease was lost (nothing then is known moved)."""
        tokens = [article["tally_token"] for article in articles]
        moved = self.db.sources.update_one(
            {"_id": source, "tally_settler": self.owner, "tally_tokens": {"$nin": tokens}},
            _move(articles, {"$each": tokens}))
        if moved.matched_count:
            return True
        # a crashed settle moved some: the others one at a time
        present = self.db.sources.find_one({"_id": source}, projection={"tally_tokens": 1, "tally_settler": 1})
        if present.get("tally_settler") != self.owner:
            return False
        for article in articles:
            if article["tally_token"] not in present.get("tally_tokens", []):
                moved = self.db.sources.update_one({"_id": source, "tally_settler": self.owner},
                                                   _move([article], article["tally_token"]))
                if not moved.matched_count:
                    return False
        return True

    # Reading

    def totals(self) -> tuple[dict[tuple[str, str], int], int | None]:
        """Articles by (source, status), and versions stored (None while a source
        is not tallied yet), exact at one moment: the tallies, plus the flagged
        articles, read between two equal reads of the tallies."""
        for _ in range(TOTALS_ATTEMPTS):
            sources = self._sources()
            flagged = list(self.db.articles.find(FLAG, projection=FLAGGED_FIELDS, hint=FLAG_INDEX))
            if self._sources() == sources:
                break
        counts, versions = Counter(), 0
        for name, source in sources.items():
            if "tallied_since" in source:
                counts.update({(name, status): n for status, n in source.get("tallies", {}).items()})
                versions += source.get("versions", 0)
            else:
                counts.update(self._count(name))
                versions = None
        for article in flagged:
            source = sources.get(article["source"], {})
            if "tallied_since" not in source:
                continue
            (was, was_versions), name = _counted(article, source.get("tally_tokens", ())), article["source"]
            if was:
                counts[(name, was)] -= 1
            if article.get("status"):
                counts[(name, article["status"])] += 1
            if versions is not None:
                versions += article.get("version", 0) - was_versions
        return {key: n for key, n in sorted(counts.items()) if n}, versions

    def _sources(self) -> dict[str, dict]:
        return {source.pop("_id"): source for source in self.db.sources.find({}, projection=SOURCE_FIELDS)}

    def _count(self, source: str) -> Counter:
        """A source not tallied yet: its articles counted (the due_checks index)."""
        return Counter({(source, status): self.db.articles.count_documents({"source": source, "status": status})
                        for status in STATUSES})


def _counted(article: dict, applied_tokens) -> tuple[str | None, int]:
    """The status and versions the tallies count a flagged article with."""
    if article.get("tally_token") in applied_tokens:
        return article.get("tally_to"), article.get("tally_versions_to", 0)
    return article.get("tallied"), article.get("tallied_versions", 0)


def _move(articles: list[dict], tokens) -> dict:
    """The update that moves the articles from what each is tallied with to
    what it takes, and records their tokens."""
    deltas, versions = Counter(), 0
    for article in articles:
        if article.get("tallied"):
            deltas[article["tallied"]] -= 1
        if article.get("tally_to"):  # (an article written without a status is counted in no status)
            deltas[article["tally_to"]] += 1
        versions += article.get("tally_versions_to", 0) - article.get("tallied_versions", 0)
    update = {"$push": {"tally_tokens": tokens}}
    moves = {f"tallies.{status}": n for status, n in deltas.items() if n}
    if versions:
        moves["versions"] = versions
    if moves:
        update["$inc"] = moves
    return update
