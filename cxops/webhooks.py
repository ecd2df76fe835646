"""Outbound HTTP for webhooks, no ORM: the address guard, the bodies and signatures of each format.

Formats (as each platform documents its group-robot webhook):

- generic: `{"id", "event", "created_at", "data"}`, headers `X-Cxops-Event`, `X-Cxops-Delivery` and
  `X-Cxops-Signature: sha256=<hex HMAC-SHA256 of the body with the subscription's secret>`.
- WeCom (企业微信群机器人): `{"msgtype": "markdown", "markdown": {"content": …}}`, at most 4,096
  bytes; no signature (the key is in the URL); 20 messages a minute per robot.
- DingTalk (钉钉自定义机器人): `{"msgtype": "markdown", "markdown": {"title", "text"}}`; with a signing
  secret, `timestamp` (ms) and `sign` = url-encoded base64 of HMAC-SHA256(secret, "timestamp\\nsecret")
  are added to the query; 20 messages a minute per robot.
- Feishu (飞书自定义机器人): `{"timestamp", "sign", "msg_type": "interactive", "card": …}`, where
  `sign` = base64 of HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message;
  100 a minute (5 a second) per robot.

Robots answer HTTP 200 with an error code in the body (`errcode`, Feishu `code`): a non-zero code
is a failure, retried when it means "too many messages".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import quote_plus
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

GENERIC, WECOM, DINGTALK, FEISHU = "generic", "wecom", "dingtalk", "feishu"

# Messages a minute each robot accepts (the platforms' documented limits).
RATE_LIMIT_PER_MINUTE = {WECOM: 20, DINGTALK: 20, FEISHU: 100}
# Error codes meaning "too many messages": try again later.
RATE_LIMITED_CODES = {WECOM: {45009}, DINGTALK: {130101, 660026}, FEISHU: {9499, 11232, 11233}}
WECOM_MAX_BYTES = 4096
VALUE_MAX_CHARACTERS = 300


class UnsafeTarget(Exception):
    """The target may not be called (scheme, unresolvable host, or a private address)."""


# --- the address guard --------------------------------------------------------------------------


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def resolve_target(url: str, *, allowed_hosts: list[str] | tuple[str, ...]) -> str:
    """The address to connect to for `url`, checked; raises UnsafeTarget.

    Every address the name resolves to must be public unless the host is allow-listed: the caller
    then connects to the returned address itself (a name that resolves to a public address now
    and to 127.0.0.1 a moment later — DNS rebinding — gets no second resolution)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(_("The address is not a valid URL.")) from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget(_("Only http:// and https:// addresses can receive webhooks."))
    host = parts.hostname.lower()
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget(_("The host %(host)s cannot be resolved.") % {"host": host}) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeTarget(_("The host %(host)s cannot be resolved.") % {"host": host})
    if host not in allowed_hosts and any(_forbidden_address(address) for address in addresses):
        raise UnsafeTarget(
            _(
                "%(host)s is a private, loopback or link-local address; ask the operator to allow it "
                "in CXOPS_WEBHOOK_ALLOWED_HOSTS."
            )
            % {"host": host}
        )
    return addresses[0]


# --- bodies ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What a person reads in a robot message: a title, facts (label, value) and a link."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class OutboundRequest:
    url: str
    body: bytes
    headers: dict[str, str]


def plain(value: Any, limit: int = VALUE_MAX_CHARACTERS) -> str:
    """User text inside a robot's Markdown: one line, no link, heading or emphasis of its own."""
    text = " ".join(str(value if value is not None else "").split())
    table = str.maketrans(
        {"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "'", "*": "＊", "#": "＃", "|": "｜"}
    )
    text = text.translate(table)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def markdown_text(summary: Summary) -> str:
    lines = [f"**{plain(summary.title)}**", ""]
    lines += [f"> {plain(label, 40)}：{plain(value)}" for label, value in summary.facts]
    if summary.url:
        lines += ["", f"[{plain(summary.link_text or summary.url, 60)}]({summary.url})"]
    return "\n".join(lines)


def _utf8_cut(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode(errors="ignore") + "…"


def sign_body(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    string_to_sign = f"{timestamp_s}\n{secret}"
    digest = hmac.new(string_to_sign.encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def build_request(
    *,
    format: str,
    url: str,
    secret: str,
    event: str,
    event_id: str,
    delivery_id: str,
    created_at: str,
    data: dict[str, Any],
    summary: Summary,
    now: float | None = None,
) -> OutboundRequest:
    """The request one delivery sends (computed again at every attempt: robots' signatures carry
    the time, and must be fresh)."""
    now = time.time() if now is None else now
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "cxops-webhooks/1",
        "X-Cxops-Event": event,
        "X-Cxops-Delivery": delivery_id,
    }
    if format == GENERIC:
        body = _json({"id": event_id, "event": event, "created_at": created_at, "data": data})
        if secret:
            headers["X-Cxops-Signature"] = sign_body(secret, body)
        return OutboundRequest(url, body, headers)
    text = markdown_text(summary)
    if format == WECOM:
        content = _utf8_cut(text, WECOM_MAX_BYTES)
        return OutboundRequest(url, _json({"msgtype": "markdown", "markdown": {"content": content}}), headers)
    if format == DINGTALK:
        if secret:
            timestamp_ms = int(now * 1000)
            separator = "&" if urlsplit(url).query else "?"
            url = f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"
        markdown = {"msgtype": "markdown", "markdown": {"title": plain(summary.title, 60), "text": text}}
        return OutboundRequest(url, _json(markdown), headers)
    if format == FEISHU:
        elements: list[dict[str, Any]] = [
            {
                "tag": "div",
                "text": {
                    "tag": "lark_md",
                    "content": "\n".join(
                        f"**{plain(label, 40)}**：{plain(value)}" for label, value in summary.facts
                    ),
                },
            }
        ]
        if summary.url:
            elements.append(
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "text": {
                                "tag": "plain_text",
                                "content": plain(summary.link_text or summary.url, 60),
                            },
                            "url": summary.url,
                            "type": "primary",
                        }
                    ],
                }
            )
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": plain(summary.title, 100)},
                "template": "blue",
            },
            "elements": elements,
        }
        message: dict[str, Any] = {"msg_type": "interactive", "card": card}
        if secret:
            timestamp_s = int(now)
            message = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **message}
        return OutboundRequest(url, _json(message), headers)
    raise ValueError(f"unknown webhook format {format!r}")


def robot_error(format: str, answer: bytes) -> tuple[int, str] | None:
    """(code, message) when a robot's 2xx answer reports an error; None for success (or generic)."""
    if format == GENERIC:
        return None
    try:
        parsed = json.loads(answer or b"{}")
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    code = parsed.get("errcode", parsed.get("code", parsed.get("StatusCode", 0)))
    try:
        code = int(code or 0)
    except (TypeError, ValueError):
        code = -1
    if code == 0:
        return None
    return code, str(parsed.get("errmsg") or parsed.get("msg") or parsed.get("StatusMessage") or "")[:200]


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    body: bytes
    error: str = ""


def send(request: OutboundRequest, *, address: str, timeout: float) -> Outcome:
    """POST to the already checked `address` (TLS still verified against the URL's host name);
    no redirects, no proxies from the environment."""
    host = urlsplit(request.url).hostname or ""

    class PinnedAdapter(HTTPAdapter):
        def build_connection_pool_key_attributes(self, prepared: Any, verify: Any, cert: Any = None) -> Any:
            host_params, pool_kwargs = super().build_connection_pool_key_attributes(prepared, verify, cert)
            host_params["host"] = address
            if host_params.get("scheme") == "https":
                pool_kwargs["server_hostname"] = host
                pool_kwargs["assert_hostname"] = host
            return host_params, pool_kwargs

    netloc = urlsplit(request.url).netloc.rsplit("@", 1)[-1]
    started = time.monotonic()
    with requests.Session() as session:
        session.trust_env = False
        adapter = PinnedAdapter(max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        try:
            answer = session.post(
                request.url,
                data=request.body,
                headers={**request.headers, "Host": netloc},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            body = answer.raw.read(65536, decode_content=True) or b""
            answer.close()
        except (requests.RequestException, OSError) as error:
            message = f"{type(error).__name__}: {error}"
            query = urlsplit(request.url).query
            if query:  # a robot's key rides in it (WeCom ?key=, DingTalk ?access_token=): not in the log
                message = message.replace(query, "…")
            return Outcome(None, int((time.monotonic() - started) * 1000), b"", message[:500])
    return Outcome(answer.status_code, int((time.monotonic() - started) * 1000), body)
