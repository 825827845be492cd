"""Name resolution that keeps a crawl off this machine and private networks.

A feed link or a redirect hop may name a host that resolves to a loopback,
private-network or link-local address (`vm`, `localhost.localdomain`, any
name in /etc/hosts or DNS). Hosts written as IP addresses are judged by their
text before any fetch (`feedparsing.link_refusal`, the redirect guard in
`newscrawler.middlewares`); names are judged here, by the addresses they
resolve to when the connection is made, so that a DNS answer cannot change
between a check and the connection.

`PrivateAddressResolver` (TWISTED_DNS_RESOLVER) passes on only the public
addresses of a name, unless the crawl may reach that host and port: the
configured feeds' own (the spider declares them, `allow_private_address`),
the proxies from the environment, or any host with
NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS. A name left with no address fails as a
DNS error would; `refused_address()` tells the downloader middleware it was a
refusal, so that it becomes a failed check instead of a retried DNS error.

Scrapy installs one resolver for the whole process, built from the process
settings before any spider exists, so what may be reached and what was refused
are kept here for the process, as Scrapy keeps its DNS cache (`scrapy.resolver.dnscache`).
"""
import logging
from urllib.request import getproxies

from scrapy.resolver import CachingHostnameResolver
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

from newscrawler.feedparsing import host_and_port, ip_literal, is_private_host

logger = logging.getLogger(__name__)

# (host, port) that may resolve to private addresses, and (host, port) -> the
# private address a name was refused for, for this process.
_reachable: set[tuple[str, int]] = set()
_refused: dict[tuple[str, int], str] = {}


def _key(host: str, port: int) -> tuple[str, int]:
    return host.rstrip(".").lower(), port


def allow_private_address(url: str) -> None:
    """Let the host and port of this web URL resolve to a private address (a configured feed's)."""
    host, port = host_and_port(url)
    if host and port:
        _reachable.add(_key(host, port))


def refused_address(url: str) -> str | None:
    """The private address that the host of this URL was refused for, if it was."""
    host, port = host_and_port(url)
    return _refused.get(_key(host, port)) if host and port else None


@implementer(IHostnameResolver)
class PrivateAddressResolver(CachingHostnameResolver):
    """Scrapy's caching resolver (IPv4 and IPv6), passing on only public
    addresses of names the crawl may not reach privately. The cache keeps what
    the name resolved to; the policy is applied at every lookup, cached or not."""

    def __init__(self, reactor, cache_size: int, private_allowed: bool):
        super().__init__(reactor, cache_size)
        self.private_allowed = private_allowed

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        for proxy_url in getproxies().values():  # connections to a proxy go to the proxy's address
            if "://" in proxy_url:
                allow_private_address(proxy_url)
        return cls(reactor, cache_size, settings.getbool("NEWSCRAWLER_FEED_ALLOW_PRIVATE_LINKS"))

    def resolveHostName(self, resolutionReceiver, hostName: str, portNumber: int = 0,
                        addressTypes=None, transportSemantics: str = "TCP"):
        key = _key(hostName, portNumber)
        if not (self.private_allowed or ip_literal(hostName) or key in _reachable):
            resolutionReceiver = PublicAddressesOnly(resolutionReceiver, key)
        return super().resolveHostName(resolutionReceiver, hostName, portNumber, addressTypes, transportSemantics)


@implementer(IResolutionReceiver)
class PublicAddressesOnly:
    """Passes on the public addresses of one resolution; records a name left with none."""

    def __init__(self, receiver, key: tuple[str, int]):
        self.receiver = receiver
        self.key = key
        self.public = 0
        self.private: list[str] = []

    def resolutionBegan(self, resolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address) -> None:
        if is_private_host(address.host):
            self.private.append(address.host)
            return
        self.public += 1
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        if self.private and not self.public:
            _refused[self.key] = self.private[0]
            logger.debug("Refusing %s:%d: it resolves to %s", *self.key, ", ".join(self.private))
        else:
            _refused.pop(self.key, None)
        self.receiver.resolutionComplete()
