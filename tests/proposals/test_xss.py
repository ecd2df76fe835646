"""User-written Markdown in bodies and comments is rendered inert: a payload corpus, checked on the page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from proposals.markdown import render_markdown
from proposals.services.discussion import comment_create
from tests.proposals.factories import make_strategy

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    "[点我](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)">点击</p>',
    '<a href="#" onmouseover="alert(1)">hover</a>',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<style>@import 'javascript:alert(1)';</style>",
    '"><script>alert(1)</script>',
    "'-alert(1)-'",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="vbscript:msgbox(1)">x</a>',
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<x onclick=alert(1)>click</x>",
    "<!--<img src=x onerror=alert(1)>-->",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
]


class _Inspector(HTMLParser):
    """Collects what would make a page run code: scripts, event handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    DANGEROUS_TAGS = frozenset(
        {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "meta", "link", "form"}
    )

    def handle_starttag(self, tag, attrs):
        if tag in self.DANGEROUS_TAGS and not self._ours(tag, dict(attrs)):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "xlink:href", "background", "data"} and value:
                squashed = "".join(value.split()).lower()
                if squashed.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"{tag}[{name}={value}]")
            if name == "style" and "javascript" in (value or "").lower():
                self.problems.append(f"{tag}[style]")

    @staticmethod
    def _ours(tag, attrs):
        """The base template's own script, stylesheet, meta and forms."""
        if tag == "script":
            return attrs.get("src", "").startswith("/static/")
        if tag == "meta":
            return "http-equiv" not in attrs
        if tag == "link":
            return attrs.get("href", "").startswith("/static/")
        if tag == "form":
            return not attrs.get("action", "").lower().startswith("javascript")
        return False


def problems_in(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_neutralises(payload):
    assert problems_in(str(render_markdown(payload, mentions=["alert"]))) == []


@pytest.mark.django_db
def test_payloads_in_body_and_comments_are_inert_on_the_page(analyst, frontline, client_for):
    # given a strategy whose body and comments hold the whole corpus
    strategy = make_strategy(actor=analyst, body="\n\n".join(PAYLOADS), status="discussion")
    for payload in PAYLOADS:
        comment_create(strategy=strategy, actor=frontline, body=payload)
    # when anyone reads the page, its history and a revision
    client = client_for(frontline)
    pages = [
        client.get(f"/pool/{strategy.pk}/").content.decode(),
        client.get(f"/pool/{strategy.pk}/revisions/1/").content.decode(),
        client.get("/pool/search/?q=alert").content.decode(),
    ]
    # then nothing on them would run
    for page in pages:
        assert problems_in(page) == []
    assert pages[0].count("pool-comment-body") == len(PAYLOADS)
    # (sanity: the inspector does catch a live payload)
    assert problems_in('<img src=x onerror="alert(1)">') == ["img[onerror]"]


@pytest.mark.django_db
def test_api_body_html_is_sanitised(analyst, api_client_for):
    strategy = make_strategy(actor=analyst, body="\n\n".join(PAYLOADS))
    data = api_client_for(analyst).get(f"/api/strategies/{strategy.pk}/").json()
    assert problems_in(data["body_html"]) == []


@pytest.mark.django_db
def test_editor_preview_is_sanitised(client_for, frontline):
    response = client_for(frontline).post("/pool/preview/", {"text": "**好** " + " ".join(PAYLOADS)})
    html = response.json()["html"]
    assert response.status_code == 200 and "<strong>好</strong>" in html
    assert problems_in(html) == []
