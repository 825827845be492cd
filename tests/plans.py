"""Which index each database command uses: record the commands an operation
sends (a pymongo CommandListener), ask the server to `explain` each, and read
the winning plan.

Shared by tests/test_query_plans.py and bench/scale.py. Reads both the plan
shapes of real MongoDB (queryPlanner.winningPlan with nested inputStage(s), or
winningPlan.queryPlan under the slot-based engine, an aggregate's plan under
stages[0].$cursor) and secantusdb's, which follows MongoDB's.
"""
import pymongo.monitoring

# Commands whose documents the planner chooses an index for.
PLANNED = ("find", "aggregate", "count", "distinct", "update", "delete", "findAndModify")
# Stages that read an index, in MongoDB's explain output (IDHACK and EXPRESS_* are
# its _id fast paths).
INDEX_STAGES = ("IXSCAN", "IDHACK", "DISTINCT_SCAN", "COUNT_SCAN", "EXPRESS_IXSCAN",
                "EXPRESS_CLUSTERED_IXSCAN")
# Metadata counts (estimated_document_count): no documents are read.
METADATA_STAGES = ("RECORD_STORE_FAST_COUNT",)


class CommandRecorder(pymongo.monitoring.CommandListener):
    """Keeps the planned commands sent while `recording` (register it before
    the clients are made: pymongo.monitoring.register)."""

    def __init__(self):
        self.recording = False
        self.commands: list[tuple[str, dict]] = []  # (database, command)

    def started(self, event):
        if self.recording and event.command_name in PLANNED:
            self.commands.append((event.database_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def take(self) -> list[tuple[str, dict]]:
        commands, self.commands = self.commands, []
        return commands


def explainable(command: dict) -> list[dict]:
    """The command(s) to explain for a sent command: as sent, less session and
    driver fields. An update or delete is explained as the find of its filter
    (secantusdb answers explain of an update with a plan that ignores the
    filter; real MongoDB plans the filter of an update as that of a find)."""
    name = next(iter(command))
    body = {key: value for key, value in command.items()
            if not key.startswith("$") and key not in ("lsid", "txnNumber", "writeConcern", "readConcern",
                                                       "ordered", "bypassDocumentValidation")}
    if name == "update":
        return [_as_find(body["update"], statement["q"], statement.get("hint")) for statement in body["updates"]]
    if name == "delete":
        return [_as_find(body["delete"], statement["q"], statement.get("hint")) for statement in body["deletes"]]
    if name == "findAndModify":
        return [_as_find(body["findAndModify"], body.get("query", {}), body.get("hint"), body.get("sort"))]
    if name == "find":
        body.pop("batchSize", None)
    return [body]


def _as_find(collection: str, query: dict, hint=None, sort=None) -> dict:
    find = {"find": collection, "filter": query}
    if hint:
        find["hint"] = hint
    if sort:
        find["sort"] = sort
    return find


def explain(db, command: dict) -> dict:
    return db.command("explain", command, verbosity="queryPlanner")


def winning_stages(explained: dict) -> list[dict]:
    """Every stage of the winning plan(s) in an explain answer, outermost first."""
    stages = []

    def walk(node, in_winning: bool):
        if isinstance(node, dict):
            if in_winning and "stage" in node:
                stages.append(node)
            for key, value in node.items():
                if key == "rejectedPlans":
                    continue
                walk(value, in_winning or key == "winningPlan")
        elif isinstance(node, list):
            for value in node:
                walk(value, in_winning)

    walk(explained, False)
    return stages


def plan_summary(explained: dict) -> dict:
    """{"indexes": [index names], "stages": [stage names], "collscan": bool, "uses_index": bool}."""
    stages = winning_stages(explained)
    names = [stage["stage"] for stage in stages]
    indexes = sorted({stage.get("indexName") or ("_id_" if stage["stage"] in ("IDHACK", "EXPRESS_IXSCAN") else "?")
                      for stage in stages if stage["stage"] in INDEX_STAGES})
    return {"indexes": indexes, "stages": names, "collscan": "COLLSCAN" in names,
            "uses_index": bool(indexes) or any(name in METADATA_STAGES for name in names)}


def command_label(command: dict) -> str:
    """'find articles {_id}' / 'aggregate changes $match,$sort,$limit': for reports."""
    name = next(iter(command))
    collection = command[name]
    if name in ("find",):
        keys = ",".join(command.get("filter", {}))
        return f"find {collection} {{{keys}}}" + (" sort " + ",".join(command["sort"]) if command.get("sort") else "")
    if name == "aggregate":
        return f"aggregate {collection} " + ",".join(next(iter(stage)) for stage in command.get("pipeline", []))
    if name == "count":
        return f"count {collection} {{{','.join(command.get('query') or {})}}}"
    if name == "distinct":
        return f"distinct {collection} {command.get('key')}"
    return f"{name} {collection}"


def plan_of(db, query: dict) -> dict:
    """The plan summary of one explainable command.

    secantusdb serves a filter of several fields that no compound index
    covers by the first of its clauses that rides an index (its
    `_try_index_id_keys`), but its explain reports a COLLSCAN for it; there,
    the plan is that of the first such clause, marked `by_clause`."""
    explained = explain(db, query)
    summary = plan_summary(explained)
    filter_ = query.get("filter")
    if summary["collscan"] and is_secantusdb(explained) and isinstance(filter_, dict) and len(filter_) > 1:
        for field, clause in filter_.items():
            alone = plan_summary(explain(db, {**query, "filter": {field: clause}}))
            if alone["uses_index"] and not alone["collscan"]:
                return {**alone, "by_clause": field}
    return summary


def is_secantusdb(explained: dict) -> bool:
    return explained.get("serverInfo", {}).get("host") == "secantus"


def plans_of(db_of, recorded: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """(label, plan summary) of each distinct explainable command recorded;
    `db_of(name)` gives the pymongo database of that name."""
    seen, plans = set(), []
    for database, command in recorded:
        for query in explainable(command):
            label = command_label(query)
            if label in seen:
                continue
            seen.add(label)
            filter_ = query.get("filter") or query.get("query") or {}
            plans.append((label, {**plan_of(db_of(database), query), "filter_keys": list(filter_)}))
    return plans
