"""A local journal of items that could not be stored while the database was away.

Items are appended as JSON lines and flushed to disk one by one. The next crawl
replays them first, through the same pipeline, before anything new is
fetched. Replaying is safe to repeat: an item already stored compares as
unchanged, and a write that was cut short is repaired.
"""
import base64
import fcntl
import json
import logging
import os
from dataclasses import fields, is_dataclass
from datetime import datetime
from pathlib import Path

from itemadapter import ItemAdapter

from newscrawler.items import ArticleItem, CheckItem, PageCapture

logger = logging.getLogger(__name__)

ITEM_TYPES = {cls.__name__: cls for cls in (ArticleItem, CheckItem)}


def _encode(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):  # a page capture's body
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _decode(mapping: dict):
    if set(mapping) == {"$datetime"}:
        return datetime.fromisoformat(mapping["$datetime"])
    if set(mapping) == {"$bytes"}:
        return base64.b64decode(mapping["$bytes"])
    return mapping


def item_to_line(item) -> str:
    record = {"type": type(item).__name__, "fields": ItemAdapter(item).asdict()}
    return json.dumps(record, default=_encode, ensure_ascii=False) + "\n"


def item_from_line(line: str):
    record = json.loads(line, object_hook=_decode)
    item_type = ITEM_TYPES.get(record["type"])
    if item_type is None or not is_dataclass(item_type):
        return record["fields"]
    known = {field.name for field in fields(item_type)}
    values = {k: v for k, v in record["fields"].items() if k in known}
    if isinstance(values.get("capture"), dict):
        values["capture"] = _capture(values["capture"])
    return item_type(**values)


def _capture(values: dict) -> PageCapture:
    for headers in ("headers", "request_headers"):
        values[headers] = [tuple(pair) for pair in values.get(headers, [])]
    return PageCapture(**values)


class Journal:
    def __init__(self, path: Path):
        self.path = path

    def append(self, item) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)
            journal.write(item_to_line(item))
            journal.flush()
            os.fsync(journal.fileno())

    def take(self) -> list[Path]:
        """Move the journal aside for replaying, so that new entries (from
        another crawl) go to a fresh file. Also returns files left by a replay
        that was interrupted."""
        if self.path.exists():
            claimed = self.path.with_name(f"{self.path.stem}.replaying-{os.getpid()}{self.path.suffix}")
            with open(self.path, "a", encoding="utf-8") as journal:
                fcntl.flock(journal, fcntl.LOCK_EX)
                os.replace(self.path, claimed)
        leftovers = self.path.parent.glob(f"{self.path.stem}.replaying-*{self.path.suffix}")
        return sorted(path for path in leftovers if not _replayed_by_a_live_process(path))

    @staticmethod
    def done(path: Path) -> None:
        path.unlink(missing_ok=True)

    @staticmethod
    def read(path: Path) -> list:
        items = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            try:
                items.append(item_from_line(line))
            except (ValueError, TypeError, KeyError) as error:  # a line cut short by a crash
                logger.warning("Skipping unreadable journal line %d of %s: %s", number, path, error)
        return items


def _replayed_by_a_live_process(path: Path) -> bool:
    pid = int(path.stem.rsplit("-", 1)[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
