"""Captures: the raw pages behind the versions, compressed, and written out as WARC.

A capture is one response (URL, status, headers, payload, fetch time) kept in
MongoDB's `captures` collection under its page hash (`page_hash`: sha256 of
the Content-Type header and the bytes), so the same bytes are stored once
however many checks return them. The payload is compressed with zstd
(`ZSTD_LEVEL`, chosen with bench/storage.py): on its own for an article's
first capture, else as a delta against a capture of the article's latest
version (`base`), which makes a later version of a page cost a few hundred
bytes. A base is always stored on its own, so reading a capture takes at most
two documents, and it is a version's capture, which is never removed.

Reading a capture checks the result against its key: bytes that cannot be
decompressed, or that are not the page they were stored as, raise
`CaptureError` naming the capture.

`write_warc` writes captures as WARC 1.1 (warcio): a request and a response
record for the first fetch of a page in the file, a revisit record
(identical-payload-digest) for each later fetch of the same bytes.
"""
import base64
import hashlib
import heapq
import http
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

# zstd levels, measured on the fixture pages (bench/storage.py, "Compression"):
# level 9 is within 1% of level 19's size at about 35 times its speed.
ZSTD_LEVEL = 9
# a delta finds long matches at any level: the fastest one that finds them
DELTA_LEVEL = 3
# A delta larger than this share of the page means the base was no help (a
# new layout): the page is stored on its own instead.
DELTA_USEFUL_SHARE = 0.05
PLAIN, DELTA = "zstd", "zstd-delta"
# Headers that describe the transfer, not the stored payload (Scrapy has undone
# the content encoding, and the payload's length is known).
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class CaptureError(Exception):
    """A capture that cannot be read back, or a WARC file that cannot be written."""


def page_hash(body: bytes, content_type: str | None) -> str:
    """Identifies what extraction gets from a page: its bytes, and the
    Content-Type header that can change how they decode."""
    digest = hashlib.sha256((content_type or "").strip().lower().encode("latin-1"))
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


def header(headers: Iterable, name: str) -> str | None:
    """The first value of a header in a list of (name, value) pairs."""
    name = name.lower()
    return next((value for key, value in headers if key.lower() == name), None)


# Compressing

def compressed_body(body: bytes, base: bytes | None = None) -> tuple[str, bytes]:
    """(encoding, stored bytes): a delta against `base` when that pays, else the page alone."""
    if base:
        delta = _compressor(DELTA_LEVEL, base).compress(body)
        if len(delta) <= DELTA_USEFUL_SHARE * len(body):
            return DELTA, delta
    return PLAIN, _compressor(ZSTD_LEVEL).compress(body)


def _compressor(level: int, base: bytes | None = None) -> zstandard.ZstdCompressor:
    if base is None:
        return zstandard.ZstdCompressor(level=level)
    dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return zstandard.ZstdCompressor(level=level, dict_data=dictionary)


def capture_document(capture, source: str, article_id: str, extractor: str | None,
                     base: dict | None = None, base_body: bytes | None = None) -> dict:
    """The `captures` document of a PageCapture (or its dict), compressed; `base`
    the stored capture it may be a delta against (its payload `base_body`)."""
    fields = capture if isinstance(capture, dict) else vars(capture)
    encoding, stored = compressed_body(fields["body"], base_body if base else None)
    return {
        "_id": fields["page_hash"], "url": fields["url"], "request_url": fields.get("request_url") or fields["url"],
        "status": fields["status"], "headers": [list(pair) for pair in fields["headers"]],
        "request_headers": [list(pair) for pair in fields.get("request_headers") or ()],
        "fetched_at": fields["fetched_at"], "source": source, "article_id": article_id, "extractor": extractor,
        "size": len(fields["body"]), "encoding": encoding, "base": base["_id"] if encoding == DELTA else None,
        "body": stored, "stored_size": len(stored),
    }


def delta_base(capture: dict | None) -> str | None:
    """The capture a new capture of the same article may be a delta against:
    this one if it is stored on its own, else its own base."""
    if capture is None:
        return None
    return capture["base"] if capture.get("encoding") == DELTA else capture["_id"]


# Reading

def page_bytes(capture: dict, load_capture: Callable[[str], dict | None]) -> bytes:
    """The payload of a stored capture; `load_capture(page_hash)` finds its base.
    Raises CaptureError naming the capture if it cannot be read back whole."""
    name = f"capture {capture.get('_id')} of {capture.get('url')}"
    try:
        if capture.get("encoding") == DELTA:
            base = load_capture(capture["base"])
            if base is None:
                raise CaptureError(f"{name} cannot be read: its base capture {capture['base']} is missing")
            body = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(
                page_bytes(base, load_capture), dict_type=zstandard.DICT_TYPE_RAWCONTENT)).decompress(capture["body"])
        elif capture.get("encoding") == PLAIN:
            body = zstandard.ZstdDecompressor().decompress(capture["body"])
        else:
            raise CaptureError(f"{name} has an unknown encoding {capture.get('encoding')!r}")
    except zstandard.ZstdError as error:
        raise CaptureError(f"{name} cannot be decompressed: {error}") from error
    except (KeyError, TypeError) as error:
        raise CaptureError(f"{name} is incomplete: {error!r}") from error
    if page_hash(body, header(capture["headers"], "Content-Type")) != capture["_id"]:
        raise CaptureError(f"{name} is damaged: its bytes are not the page stored under that hash")
    return body


def capture_response(capture: dict, body: bytes):
    """The stored capture as the Scrapy response extraction read (for re-extraction)."""
    from scrapy.http import HtmlResponse, Request  # only re-extraction needs Scrapy's objects

    request = Request(capture["url"], headers=_grouped(capture.get("request_headers") or ()))
    return HtmlResponse(capture["url"], status=capture["status"], headers=_grouped(capture["headers"]), body=body,
                        request=request)


def _grouped(pairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


# WARC

@dataclass
class Fetch:
    """One fetch to write out: when, and which stored capture it returned."""
    fetched_at: datetime
    capture: str  # page hash
    url: str


def stored_fetches(store, source: str | None = None, since: datetime | None = None,
                   article_id: str | None = None) -> Iterable[Fetch]:
    """Every fetch with a stored capture (each version's, each failed
    extraction's still kept), oldest first."""
    query: dict = {}
    if source:
        query["source"] = source
    if since is not None:
        query["fetched_at"] = {"$gte": since}
    if article_id:
        query["article_id"] = article_id
    versions = (Fetch(revision["fetched_at"], revision["capture"], revision["url"])
                for revision in store.revisions_with_captures(query))
    failures = (Fetch(failure["fetched_at"], failure["capture"], failure["url"])
                for failure in store.extraction_failures(query, sort=(("fetched_at", 1), ("_id", 1))))
    return heapq.merge(versions, failures, key=lambda fetch: fetch.fetched_at)


def write_warc(path: str | Path, fetches: Iterable[Fetch], load_capture: Callable[[str], dict | None]) -> dict:
    """Write the fetches, oldest first as given, to a gzipped WARC 1.1 file at
    `path`, replaced only once the whole file is written. Returns counts of the
    records by type. Raises CaptureError for a target that cannot be written or
    a capture that cannot be read (the target is then left as it was)."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as error:
        raise CaptureError(f"cannot write the WARC file {path}: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "wb") as out:
            counts = _write_records(WARCWriter(out, gzip=True, warc_version="1.1"), path.name, fetches, load_capture)
        os.replace(temporary, path)
    except OSError as error:
        raise CaptureError(f"cannot write the WARC file {path}: {error.strerror or error}") from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return counts


def _write_records(writer: WARCWriter, filename: str, fetches: Iterable[Fetch], load_capture) -> dict:
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": "newscrawler (news article change tracker)", "format": "WARC File Format 1.1",
        "description": "pages fetched by newscrawler, the payloads as the crawl read them (content encoding undone)",
    }))
    counts = {"request": 0, "response": 0, "revisit": 0}
    written: dict[str, tuple[str, str, str, str]] = {}  # page hash -> (record id, uri, date, payload digest)
    for fetch in fetches:
        capture = load_capture(fetch.capture)
        if capture is None:
            raise CaptureError(f"capture {fetch.capture} of {fetch.url} ({fetch.fetched_at}) is missing")
        date = datetime_to_iso_date(fetch.fetched_at.replace(tzinfo=None), use_micros=True)
        if fetch.capture in written:
            writer.write_record(_revisit(writer, capture, date, *written[fetch.capture]))
            counts["revisit"] += 1
            continue
        body = page_bytes(capture, load_capture)
        digest = payload_digest(body)
        response = _response(writer, capture, body, date, digest)
        writer.write_request_response_pair(_request(writer, capture, date), response)
        written[fetch.capture] = (response.rec_headers.get_header("WARC-Record-ID"), capture["url"], date, digest)
        counts["request"] += 1
        counts["response"] += 1
    return counts


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _http_headers(capture: dict, length: int) -> StatusAndHeaders:
    status = capture["status"]
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    headers = [(name, value) for name, value in capture["headers"] if name.lower() not in TRANSFER_HEADERS]
    headers.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {phrase}".strip(), headers, protocol="HTTP/1.1")


def _response(writer: WARCWriter, capture: dict, body: bytes, date: str, digest: str):
    return writer.create_warc_record(
        capture["url"], "response", payload=BytesIO(body), length=len(body),
        http_headers=_http_headers(capture, len(body)),
        warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
    )


def _request(writer: WARCWriter, capture: dict, date: str):
    target = urlsplit(capture["url"])
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    headers = [(name, value) for name, value in capture.get("request_headers") or ()]
    if not header(headers, "Host"):
        headers.insert(0, ("Host", target.netloc))
    return writer.create_warc_record(
        capture["url"], "request", http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True),
        warc_headers_dict={"WARC-Date": date},
    )


def _revisit(writer: WARCWriter, capture: dict, date: str, original_id: str, original_uri: str,
             original_date: str, digest: str):
    record = writer.create_revisit_record(capture["url"], digest, original_uri, original_date,
                                          http_headers=_http_headers(capture, capture["size"]),
                                          warc_headers_dict={"WARC-Date": date})
    record.rec_headers.add_header("WARC-Refers-To", original_id)
    return record
